import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CliCommand, CliIo } from '../cli.io';

const HELP = `Usage: audit verify-export FILE --public-key PUBLIC_KEY.pem [--json]

Verifies a verified export (GET /v1/audit-logs/export?format=ndjson&verified=true, or
\`audit export --format ndjson --verified\`) offline: the manifest's Ed25519 signature, the body's
SHA-256, the row count, every row's chain hash and the links between consecutive sequence numbers.
The same check as \`node scripts/verify-export.mjs\`, the single file auditors run without this
project; get the public key from GET /v1/audit-logs/public-key.

Exit codes: 0 verified, 1 verification failed (each failure printed), 2 usage error.
`;

/** scripts/verify-export.mjs of this checkout, from sources and from dist/ alike. */
function verifierScript(start: string = __dirname): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'verify-export.mjs');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`scripts/verify-export.mjs not found above ${start}`);
}

/** Runs the auditor's script itself, so the CLI and the documented offline command can never disagree. */
export const verifyExportCommand: CliCommand = {
  name: 'verify-export',
  summary: 'verify a verified export file offline against the public key',
  help: HELP,
  run(args: string[], io: CliIo): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(HELP);
      return Promise.resolve(0);
    }
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [verifierScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal: io.signal });
      child.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString()));
      child.once('error', (error) => (io.signal.aborted ? resolve(1) : reject(error)));
      child.once('close', (code) => resolve(code ?? 1));
    });
  },
};
