import { defineConfig } from 'vitest/config';

// Three layers: pure unit tests, store contract suites against the real Redis and
// PostgreSQL on loopback, and integration tests over HTTP against production builds and the dev IdP.
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
					environment: 'node',
					testTimeout: 30_000,
					fileParallelism: false
				}
			},
			{
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/integration/global-setup.ts'],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 180_000,
					fileParallelism: false
				}
			}
		]
	}
});
