module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  moduleNameMapper: {
    '^@opensearch/datemath$': '<rootDir>/node_modules/@elastic/eui/packages/opensearch-datemath',
    '\\.css$': '<rootDir>/test/style_stub.js',
  },
  // OUI's dependencies include ESM-only packages (uuid)
  transformIgnorePatterns: ['/node_modules/(?!uuid/)'],
};
