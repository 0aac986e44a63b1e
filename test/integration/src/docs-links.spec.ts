import { repoRoot } from '@audit/testing';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The README is a short front door and the detail lives in docs/ and each lib's README, so a page
 * that moves must not leave a link behind: every relative markdown link resolves to a file, and a
 * `#fragment` on a markdown file to one of its headings.
 */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.data', '.nx', '.git', '.libs', 'test-output', 'coverage', 'results']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRECTORIES.has(name) ? [] : markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const headings = [...withoutCodeBlocks(markdown).matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]);
  return new Set(headings.map((heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-')));
}

function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

function relativeLinks(markdown: string): string[] {
  return [...withoutCodeBlocks(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

function brokenLinks(file: string): string[] {
  return relativeLinks(readFileSync(file, 'utf8')).flatMap((target) => {
    const [path, fragment] = target.split('#');
    const resolved = path ? resolve(dirname(file), path) : file;
    const where = `${relative(repoRoot(), file)} → ${target}`;
    if (!existsSync(resolved)) return [`${where}: no such file`];
    if (fragment && resolved.endsWith('.md') && !headingAnchors(readFileSync(resolved, 'utf8')).has(fragment)) return [`${where}: no such heading`];
    return [];
  });
}

describe('documentation links', () => {
  it('reads anchors and links the way GitHub renders them', () => {
    expect(headingAnchors('# Ingestion (Kafka → ClickHouse)\n## The `audit` CLI\n```\n# not a heading\n```')).toEqual(new Set(['ingestion-kafka--clickhouse', 'the-audit-cli']));
    expect(relativeLinks('[a](docs/a.md) [b](https://x.test/b) [c](#c)\n```\n[d](d.md)\n```')).toEqual(['docs/a.md', '#c']);
  });

  it('resolves every relative link in the README, docs/ and every lib and app README to a file and heading that exist', () => {
    const files = markdownFiles(repoRoot());
    expect(files.map((file) => relative(repoRoot(), file))).toEqual(expect.arrayContaining(['README.md', join('docs', 'configuration.md'), join('libs', 'query', 'README.md')]));
    expect(files.flatMap((file) => relativeLinks(readFileSync(file, 'utf8'))).length).toBeGreaterThan(20);
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });
});
