// Lets compiled code under dist/ resolve the @audit/* aliases of tsconfig.base.json, so
// `node -r ./scripts/register-paths.cjs dist/apps/<app>/src/main.js` runs without a bundler.
const { register } = require('tsconfig-paths');
const { join } = require('node:path');
const { compilerOptions } = require('../tsconfig.base.json');

const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [target.replace(/\.ts$/, '.js')]]),
);
register({ baseUrl: join(__dirname, '..', 'dist'), paths });
