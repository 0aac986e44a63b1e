#!/usr/bin/env node
// `npx audit …`: runs the compiled CLI (apps/cli) with the @audit/* aliases resolved.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('audit: the CLI is not built yet; run `npm run build` first\n');
  process.exit(1);
}
require(join(__dirname, '..', 'scripts', 'register-paths.cjs'));
require(entry);
