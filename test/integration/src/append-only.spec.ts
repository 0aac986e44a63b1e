import { repoRoot } from '@audit/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Audit logs are append-only: no code path may update or remove rows. This scans every string and
 * template literal of the shipped code (apps, libs, scripts — not tests, test helpers and the
 * reliability scenarios (libs/testing, libs/scenarios: their faults detach tables on purpose),
 * benchmarks or the migrations, whose one-off DDL is reviewed as SQL) for a statement that would.
 *
 * Rows leave only by the table's TTL. The one ALTER shipped code may send is MATERIALIZE TTL (the
 * expiry job after it signs a statement, the hold API after a hold): with the table's
 * `materialize_ttl_recalculate_only` it recomputes the parts' TTL metadata from the table's own
 * TTL expression, which deletes only links a signed expiry statement covers and no hold keeps; it
 * names no rows and cannot widen what the TTL removes. Every other ALTER TABLE is refused here.
 */
const MATERIALIZE_TTL = /^\s*ALTER\s+TABLE\s+\S+(\s+ON\s+CLUSTER\s+\S+)?\s+MATERIALIZE\s+TTL(\s+IN\s+PARTITION\s+\S+)?\s*$/i;
const DESTRUCTIVE = [
  /^\s*TRUNCATE\b/i,
  /^\s*DELETE\s+FROM\b/i,
  /^\s*DROP\s+(TABLE|DATABASE|VIEW|DICTIONARY)\b/i,
  /^\s*DETACH\s+(TABLE|PARTITION|PART)\b/i,
  { test: (sql: string) => /^\s*ALTER\s+TABLE\b/i.test(sql) && !MATERIALIZE_TTL.test(sql) },
  /^\s*EXCHANGE\s+TABLES\b/i,
];

const SHIPPED = ['apps', 'libs', 'scripts'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'test', 'testing', 'scenarios', '.libs']);
const SKIPPED_FILES = /\.(spec|int-spec)\.tsx?$|\.d\.ts$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRECTORIES.has(name) ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs|cjs|js)$/.test(name) && !SKIPPED_FILES.test(name) ? [path] : [];
  });
}

/** Every string a file could send as SQL: literals, and templates with `${…}` for their holes; each `;`-separated statement. */
function statements(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const texts: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) texts.push(node.text);
    else if (ts.isTemplateExpression(node)) texts.push(node.head.text + node.templateSpans.map((span) => `\${}${span.literal.text}`).join(''));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return texts.flatMap((text) => text.split(';'));
}

function destructiveStatements(files: string[]): string[] {
  return files.flatMap((file) => statements(file).filter((sql) => DESTRUCTIVE.some((pattern) => pattern.test(sql))).map((sql) => `${relative(repoRoot(), file)}: ${sql.trim().slice(0, 120)}`));
}

describe('append-only audit log', () => {
  it('recognises each kind of statement that would alter or remove audit rows', () => {
    const bad = [
      'ALTER TABLE ${}.audit_events UPDATE status = 1 WHERE 1',
      'ALTER TABLE audit.audit_events DELETE WHERE organization_id = {o:String}',
      'alter table audit_events_local drop partition 202601',
      'DELETE FROM ${} WHERE event_id = {id:UUID}',
      'TRUNCATE TABLE audit.audit_events',
      'DROP TABLE IF EXISTS audit.audit_chain_heads',
      'DETACH TABLE audit.audit_events',
      'ALTER TABLE audit.audit_events MODIFY TTL occurred_at',
      'ALTER TABLE ${}.audit_events MATERIALIZE TTL IN PARTITION 202601 ; ALTER TABLE x DELETE WHERE 1'.split(';')[1],
      'ALTER TABLE ${} MATERIALIZE TTL, DELETE WHERE 1',
    ];
    for (const sql of bad) expect({ sql, destructive: DESTRUCTIVE.some((pattern) => pattern.test(sql)) }).toEqual({ sql, destructive: true });
    expect(DESTRUCTIVE.some((pattern) => pattern.test('SELECT count() FROM audit.audit_events WHERE action = {a:String}'))).toBe(false);
    expect(DESTRUCTIVE.some((pattern) => pattern.test('Nobody gets ALTER, DELETE, TRUNCATE or DROP.'))).toBe(false);
    // The expiry job's re-application of the table's own TTL (see MATERIALIZE_TTL above).
    expect(DESTRUCTIVE.some((pattern) => pattern.test('ALTER TABLE ${}${} MATERIALIZE TTL IN PARTITION ${}'))).toBe(false);
  });

  it('finds no update, delete, truncate or drop statement in any shipped code path', () => {
    const files = SHIPPED.flatMap((dir) => sourceFiles(join(repoRoot(), dir)));
    expect(files.length).toBeGreaterThan(100);
    expect(destructiveStatements(files)).toEqual([]);
  });
});
