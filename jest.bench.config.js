/**
 * `npm run bench`: benchmarks under test/bench, run one at a time against the real service
 * (PostgreSQL, Redis, the sandbox as Meta). They print figures; they assert nothing about time.
 */
const base = require('./jest.config.js').projects.find((project) => project.displayName === 'e2e');

module.exports = {
  ...base,
  displayName: 'bench',
  roots: ['<rootDir>/test/bench'],
  testMatch: ['**/*.bench.ts'],
  testTimeout: 600_000,
};
