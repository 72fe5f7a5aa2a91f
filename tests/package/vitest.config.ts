import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The installed-package tests ("ship what you tested"): pack the package, install the tarball into a
// fresh SvelteKit app, build seed 001's example for production and drive it over HTTP against the dev
// IdP, and execute README.md in the same install (readme-app.test.ts: its files, svelte-check, `vite dev`,
// Chromium). A project of its own, outside the root config, because it needs the registry (or npm's
// cache) and takes a minute or so: `vitest run --config tests/package/vitest.config.ts`.
// global-setup.ts packs and installs once for every file of the project.
export default defineConfig({
	root: fileURLToPath(new URL('../..', import.meta.url)),
	test: {
		name: 'package',
		include: ['tests/package/**/*.test.ts'],
		environment: 'node',
		globalSetup: ['tests/package/global-setup.ts'],
		testTimeout: 60_000,
		// pack + scaffold + npm install + svelte-check + vite build, on a 2-core machine
		hookTimeout: 600_000,
		fileParallelism: false
	}
});
