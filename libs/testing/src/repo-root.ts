import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root (the folder with nx.json), found from this file whether it runs from its
 * source (jest) or compiled under dist/ (benchmarks), where a fixed `../..` would stop inside dist.
 */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no nx.json above ${from}`);
  }
}
