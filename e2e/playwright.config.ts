import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Browser end-to-end tests: Debian's Chromium (no browser download) against a production build of
// the demo and the embedded dev identity provider, both started by global-setup.ts on free loopback
// ports. One worker: the tests share those two servers, and the whole run stays well under a minute.

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
	testDir: '.',
	testMatch: '*.spec.ts',
	globalSetup: './global-setup.ts',
	workers: 1,
	fullyParallel: false,
	retries: 0,
	forbidOnly: !!process.env.CI,
	timeout: 20_000,
	expect: { timeout: 5_000 },
	outputDir: `${root}test-results/e2e`,
	// scripts/test.mjs sets PLAYWRIGHT_JSON_OUTPUT_NAME and reads the JSON report from there. Resolved
	// here against the working directory: the reporter itself would resolve it against this folder.
	reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME
		? [['list'], ['json', { outputFile: resolve(process.env.PLAYWRIGHT_JSON_OUTPUT_NAME) }]]
		: [['list']],
	use: {
		browserName: 'chromium',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			// Without the background-networking flags Chromium keeps calling home on a closed network.
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		},
		viewport: { width: 1280, height: 800 },
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure'
	}
});
