// Browser tests: headless Chromium (Debian's /usr/bin/chromium) drives the built console against
// the real stack. The global setup builds the page once into test-output/console-build.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'browser',
  rootDir: __dirname,
  globalSetup: '<rootDir>/global-setup.mjs',
};
