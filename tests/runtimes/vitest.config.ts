import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The same scenarios (scenarios.ts) against the packed package in a small SvelteKit app on five
// runtimes: Node 20, Node 22, Bun and Deno (adapter-node build) and workerd under `wrangler dev`
// (adapter-cloudflare build). A project of its own, like tests/package: it installs from the npm
// registry. `vitest run --config tests/runtimes/vitest.config.ts` (part of `npm test`).
export default defineConfig({
	root: fileURLToPath(new URL('../..', import.meta.url)),
	test: {
		name: 'runtimes',
		include: ['tests/runtimes/**/*.test.ts'],
		environment: 'node',
		globalSetup: ['tests/runtimes/global-setup.ts'],
		testTimeout: 30_000,
		// npm pack + install + two builds on a 2-core machine; then a runtime's start
		hookTimeout: 600_000,
		fileParallelism: false
	}
});
