module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'example-service',
  rootDir: __dirname,
};
