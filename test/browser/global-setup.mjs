// Builds the console for the browser tests into a folder of their own (see src/console-stack.ts),
// so a test run neither depends on nor disturbs the dist/console of `npm start`.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from '../../scripts/build-console.mjs';

export default async function buildConsoleForTests() {
  await buildConsole({ outDir: join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'test-output', 'console-build') });
}
