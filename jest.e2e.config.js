/**
 * End-to-end tests in real n8n, 2.41.1 and 1.123.81 (`npm run test:e2e`, which first installs n8n
 * into .cache and builds the package). Separate from the unit run: n8n starts in its own process per suite.
 */
/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }] },
	testTimeout: 120000,
	// The suites each start n8n; in parallel they would compete for CPU and slow each other down.
	maxWorkers: 1,
};
