// Once per run: the packed package, the runtimes app and its two builds, and the runtimes
// (runtime-app.ts). In CI (CI=true, or SSO_RUNTIMES_REQUIRED=1 as .ci/run sets) a runtime that cannot be installed fails the run here; elsewhere
// its test file skips with the reason.
import type { TestProject } from 'vitest/node';
import { prepareRuntimes, type PreparedRuntimes } from './runtime-app.js';

declare module 'vitest' {
	export interface ProvidedContext {
		runtimes: PreparedRuntimes;
	}
}

export default async function setup(project: TestProject): Promise<void> {
	const started = Date.now();
	const prepared = await prepareRuntimes();
	const missing = Object.entries(prepared.unavailable);
	console.log(`[runtimes] prepared in ${((Date.now() - started) / 1000).toFixed(1)} s; ms: ${JSON.stringify(prepared.timings)}`);
	if (missing.length > 0) {
		// One line per distinct reason: a failed pack or install stops every runtime at once.
		const byReason = new Map<string, string[]>();
		for (const [runtime, reason] of missing) byReason.set(reason!, [...(byReason.get(reason!) ?? []), runtime]);
		const list = [...byReason].map(([reason, runtimes]) => `  ${runtimes.join(', ')}: ${reason}`).join('\n');
		if (process.env.CI === 'true' || process.env.CI === '1' || process.env.SSO_RUNTIMES_REQUIRED === '1') {
			throw new Error(`[runtimes] CI must run every runtime, and these could not be installed or built:\n${list}`);
		}
		console.warn(`[runtimes] SKIPPING (not in CI) the runtimes that could not be installed or built here:\n${list}`);
	}
	project.provide('runtimes', prepared);
}
