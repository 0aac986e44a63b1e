// Compiles the TypeScript sources once into dist/ (tsc, no bundler).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function build() {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('the TypeScript build failed');
}

/** Arguments for `node` that run a compiled entry point with the @audit/* aliases resolved. */
export function nodeArgs(entry) {
  return ['--enable-source-maps', '-r', join(root, 'scripts', 'register-paths.cjs'), join(root, 'dist', entry)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
