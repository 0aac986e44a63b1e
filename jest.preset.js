// Shared jest settings for every project: ts-jest transpiles (type checking is `npm run
// typecheck`'s job, once for the whole repo) and the @audit/* aliases map to sources.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: `${__dirname}/tsconfig.base.json`, diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: `${__dirname}/` }),
  // Two tiers by file name: `*.spec.ts` (unit, no services) and `*.int-spec.ts` (real broker and
  // engine). `npm run test:unit` sets AUDIT_TEST_TIER=unit to run the first alone.
  testMatch: process.env.AUDIT_TEST_TIER === 'unit' ? ['<rootDir>/**/*.spec.ts'] : ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
