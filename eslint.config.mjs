import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries: what each kind of project may import. The constraints are the architecture;
// a violation fails `npm test` (which runs lint) before any test does.
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:contract', 'type:util'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:data-access', 'type:contract', 'type:util'] },
  { sourceTag: 'type:dev', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
  { sourceTag: 'type:scenarios', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util', 'type:testing', 'type:scenarios', 'type:dev'] },
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util', 'type:testing', 'type:scenarios'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util', 'type:dev'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:producer', onlyDependOnLibsWithTags: ['scope:shared', 'scope:producer'] },
  { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ingest'] },
  { sourceTag: 'scope:query', onlyDependOnLibsWithTags: ['scope:shared', 'scope:producer', 'scope:query'] },
  { sourceTag: 'scope:streams', onlyDependOnLibsWithTags: ['scope:shared', 'scope:producer', 'scope:query', 'scope:streams'] },
  { sourceTag: 'scope:runtime', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ingest', 'scope:query', 'scope:producer', 'scope:streams'] },
  { sourceTag: 'scope:example', onlyDependOnLibsWithTags: ['scope:shared', 'scope:producer', 'scope:example'] },
  { sourceTag: 'scope:ops', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ops', 'scope:ingest'] },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['*'] },
];

// Tests beside a project's code (`*.spec.ts`, `*.int-spec.ts`, `test/`) and a lib's test-only entry
// point (`testing/`, e.g. @audit/ingest/testing) may also use the test helpers.
const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '{apps,libs}/*/test/**/*.ts', 'libs/*/testing/**/*.ts'];
const testDepConstraints = depConstraints.map((constraint) =>
  constraint.sourceTag.startsWith('type:') && !constraint.onlyDependOnLibsWithTags.includes('type:testing')
    ? { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'] }
    : constraint,
);

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.nx/**', 'infra/kafka/.libs/**', 'test-output/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { '@nx': nx },
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: testDepConstraints }] },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', TextEncoder: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
