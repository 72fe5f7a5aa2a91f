// npm test — everything CI runs, in order, stopping at the first failure:
// the Web-API-only compile of the package, then the unit, store-contract and integration suites
// (vitest, against a real Redis and PostgreSQL — the machine's on loopback, or throwaway ones the
// vitest global set-up starts and stops, tests/support/services.ts — and production builds of the demo),
// then the browser end-to-end suite (Playwright + Debian's Chromium), the packed-package tests (the
// tarball in new `sv create` apps: seed 001's example built for production, and README.md's marked
// blocks and commands run against the dev IdP in Chromium) and the runtimes test (the packed package
// on Node 20 and 22, Bun, Deno and workerd, all from the npm registry: tests/runtimes/; in CI —
// CI=true or SSO_RUNTIMES_REQUIRED=1 — a runtime that cannot be installed fails the run, elsewhere its
// tests are skipped with the reason).
// Ends with one "N passed, N failed" line summed over every runner.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const results = 'test-results';
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;

function run(title, command, args, env = {}) {
	console.log(`\n▶ ${title}`);
	const started = Date.now();
	const { status } = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
	console.log(`◀ ${title}: ${status === 0 ? 'ok' : `failed (exit ${status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return status === 0;
}

function countVitest(file) {
	if (!existsSync(file)) return;
	const report = JSON.parse(readFileSync(file, 'utf8'));
	passed += report.numPassedTests;
	failed += report.numFailedTests;
	skipped += report.numPendingTests + report.numTodoTests;
}

function countPlaywright(file) {
	if (!existsSync(file)) return;
	const { stats } = JSON.parse(readFileSync(file, 'utf8'));
	passed += stats.expected + stats.flaky;
	failed += stats.unexpected;
	skipped += stats.skipped;
}

const node = process.execPath;

/** A vitest run whose JSON report adds to the closing count. */
function vitest(title, file, ...args) {
	return () => {
		const report = `${results}/${file}`;
		const ok = run(title, node, ['node_modules/vitest/vitest.mjs', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
		countVitest(report);
		return ok;
	};
}

const steps = [
	() => run('svelte-kit sync', node, ['node_modules/@sveltejs/kit/svelte-kit.js', 'sync']),
	() => run('package compiles with Web APIs only (tsc, no Node types)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.lib.json']),
	vitest('vitest: unit, stores, integration', 'vitest.json'),
	() => {
		// One tarball for both tests of the packed package (tests/package/fresh-app.ts packInto).
		const dir = join(process.cwd(), results, 'pack');
		mkdirSync(dir, { recursive: true });
		const ok = run('npm pack (the tarball the package and runtimes tests install)', 'npm', ['pack', '--pack-destination', dir, '--loglevel', 'warn']);
		const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
		if (ok && tgz) process.env.SSO_PACKED_TARBALL = join(dir, tgz);
		return ok && tgz !== undefined;
	},
	vitest('vitest: the packed package in fresh apps, and the README executed in one', 'vitest-package.json', '--config', 'tests/package/vitest.config.ts'),
	vitest('vitest: runtimes (Node 20, Node 22, Bun, Deno, workerd)', 'vitest-runtimes.json', '--config', 'tests/runtimes/vitest.config.ts')
];
if (existsSync('e2e/playwright.config.ts')) {
	steps.push(() => {
		const file = `${results}/playwright.json`;
		const ok = run('playwright: browser end-to-end', node, ['node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts'], {
			PLAYWRIGHT_JSON_OUTPUT_NAME: file
		});
		countPlaywright(file);
		return ok;
	});
}

let ok = true;
for (const step of steps) {
	if (!step()) {
		ok = false;
		break;
	}
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok && failed === 0 ? 0 : 1);
