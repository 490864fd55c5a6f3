/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The chaos suites run after these in a whole `npm test` (scripts/launch.mjs), or alone with `npm run test:chaos`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  testTimeout: 30000,
  // Two cores: two workers keep the emulator-backed suites from starving each other.
  maxWorkers: 2,
};
