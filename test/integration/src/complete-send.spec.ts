import { repoRoot } from '@audit/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * kafkajs can resolve a send with messages that never reached the topic when a partition leader
 * dies mid-request (tulios/kafkajs#1303; the three-node failover run lost 1,143 acknowledged events
 * that way). `createCompleteSendProducer` (libs/kafka) sends the missing partitions again; every
 * producer of the shipped code and of the test helpers that publish during fault runs must be made
 * by it, or a dead letter, a read's audit event or a projection record could be "acknowledged" and
 * lost. This scans for `<anything>.producer(…)` calls: the one allowed is inside that factory.
 */
const SCANNED = ['apps', 'libs', 'scripts'];
const ALLOWED = new Set(['libs/kafka/src/complete-send.producer.ts']);
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.libs']);
const SKIPPED_FILES = /\.(spec|int-spec)\.tsx?$|\.d\.ts$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRECTORIES.has(name) ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs|cjs|js)$/.test(name) && !SKIPPED_FILES.test(name) ? [path] : [];
  });
}

/** `x.producer(…)` calls in a file, as `file:line`. */
function producerCalls(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const calls: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'producer') {
      calls.push(`${relative(repoRoot(), file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

describe('Kafka producers', () => {
  const files = SCANNED.flatMap((dir) => sourceFiles(join(repoRoot(), dir)));

  it('should find the factory that makes complete-send producers (the scan reads the right tree)', () => {
    expect(files.flatMap(producerCalls)).toEqual(expect.arrayContaining([expect.stringMatching(/^libs\/kafka\/src\/complete-send\.producer\.ts:/)]));
  });

  it('should make every producer of apps, libs and scripts through createCompleteSendProducer', () => {
    const others = files.flatMap(producerCalls).filter((call) => !ALLOWED.has(call.replace(/:\d+$/, '')));
    expect(others).toEqual([]);
  });
});
