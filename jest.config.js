/** Unit tests sit beside pure code in src/; integration tests live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/setup/fast-check.ts'],
  // Worker processes for the suite; each test file uses its own database and queue prefix.
  maxWorkers: 2,
};
