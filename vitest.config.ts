import { defineConfig } from 'vitest/config';

// Three layers: pure unit tests, store contract suites against a real Redis and PostgreSQL, and
// integration tests over HTTP against production builds, the dev IdP and Glewlwyd (an independent
// OpenID provider from Debian's package, started once per run: tests/support/glewlwyd-setup.ts). The projects that need Redis
// and PostgreSQL use the machine's (SSO_REDIS_URL / SSO_DATABASE_URL, default 127.0.0.1:6379 and :5432)
// or start throwaway ones for the run: tests/support/services.ts.
// Beside them, property-based fuzzing of both hooks (a short run here, `npm run fuzz` for a long one).
export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				test: {
					name: 'stores',
					include: ['tests/stores/**/*.test.ts'],
					globalSetup: ['tests/support/services-setup.ts'],
					environment: 'node',
					testTimeout: 30_000,
					fileParallelism: false
				}
			},
			{
				test: {
					name: 'fuzz',
					include: ['tests/fuzz/**/*.fuzz.test.ts'],
					environment: 'node'
				}
			},
			{
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/support/services-setup.ts', 'tests/integration/global-setup.ts', 'tests/support/glewlwyd-setup.ts'],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 180_000,
					fileParallelism: false
				}
			}
		]
	}
});
