module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'threads',
  rootDir: __dirname,
};
