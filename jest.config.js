/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// End-to-end suites start real n8n; they run under jest.e2e.config.js (npm run test:e2e).
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }] },
	setupFiles: ['<rootDir>/harness/quiet-n8n.js'],
	globalSetup: '<rootDir>/harness/user-folder.ts',
	testTimeout: 30000,
};
