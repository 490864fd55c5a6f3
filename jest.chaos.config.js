/** The chaos suites (fuzzing, load, partial failure): after the others in a whole `npm test`, alone with `npm run test:chaos`. */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testPathIgnorePatterns: ['/node_modules/'],
  // A suite is one long property run; its own limits (hang detection, request counts) decide, not a per-test clock.
  testTimeout: 240000,
  // One suite at a time: each loads both cores on its own, and together they only starve each other.
  maxWorkers: 1,
};
