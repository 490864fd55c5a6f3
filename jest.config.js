/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The chaos suites run through `npm run test:chaos` (see jest.chaos.config.js), which CI runs too.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  testTimeout: 30000,
  // Two cores: two workers keep the emulator-backed suites from starving each other.
  maxWorkers: 2,
};
