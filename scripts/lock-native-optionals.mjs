#!/usr/bin/env node
// chdb lists one optional native package per platform, but the registry this project installs
// from serves only the linux-x64 one, so `npm install` leaves the others out of package-lock.json
// and `npm ci` then refuses the lock ("Missing … from lock file"). This writes the entries npm
// would have written: optional, limited to their os/cpu, so npm skips them on other platforms.
// Run it after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
const platforms = {
  'lib-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'lib-darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'lib-linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'] },
  'lib-linux-x64-gnu': { os: ['linux'], cpu: ['x64'] },
};
let added = 0;
for (const [name, version] of Object.entries(chdb.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const short = name.split('/')[1];
  lock.packages[key] = {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${short}-${version}.tgz`,
    optional: true,
    ...platforms[short],
  };
  added += 1;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} optional native entr${added === 1 ? 'y' : 'ies'} added`);
