module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'console-page',
  rootDir: __dirname,
};
