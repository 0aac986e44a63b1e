module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'stream-delivery',
  rootDir: __dirname,
};
