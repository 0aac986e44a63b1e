// The whole suite: every project's jest.config.js. `npm test` runs this through scripts/test.mjs,
// which first starts what the integration tests need.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const projects = ['apps', 'libs', 'test']
  .flatMap((dir) => (existsSync(join(__dirname, dir)) ? readdirSync(join(__dirname, dir)).map((name) => join(__dirname, dir, name)) : []))
  .filter((dir) => existsSync(join(dir, 'jest.config.js')));

// Jest reads `testTimeout` from this file only (a project's own setting does not reach its hooks):
// an integration hook that opens chDB and runs the migrations can take longer than the default
// 5 s on a loaded machine. A file that needs more says so itself.
module.exports = { projects, testTimeout: 120_000 };
