// Builds the Auditing console (apps/console) with Vite's JS API into dist/console, which
// @audit/console serves at /audit. `npm start` and the browser tests call it; tests pass their own
// outDir so a test run never swaps files under a running `npm start`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildConsole({ outDir = join(root, 'dist', 'console') } = {}) {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'apps', 'console', 'vite.config.mjs'), build: { outDir, emptyOutDir: true } });
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const outDir = await buildConsole();
  console.log(`console built into ${outDir} in ${Date.now() - started} ms`);
}
