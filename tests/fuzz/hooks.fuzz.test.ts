// Property-based fuzzing of both hooks (issue "Hardening", item 3): under hostile cookies, query
// parameters, methods, headers, back-channel logout bodies and hostile answers from every server
// the SDK calls, no request gets a 5xx, hangs, leaks a token or redirects off the site.
// tests/fuzz/support/harness.ts lists the properties.
//
//   npm test            a short run (FUZZ_RUNS, default 1 000 cases)
//   npm run fuzz        a long run (FUZZ_RUNS, default 100 000 cases)
//   FUZZ_SEED=… [FUZZ_PATH=…] npx vitest run --project fuzz    replays a failure (both are printed)
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fuzzCase } from './support/arbitraries.js';
import { runCase, type Recorders } from './support/harness.js';
import { serverKeys } from './support/hostile-as.js';

const mode = vi.hoisted(() => ({ development: true }));
vi.mock('../../src/lib/environment.js', async (original) => ({
	...(await original<typeof import('../../src/lib/environment.js')>()),
	isDevelopment: () => mode.development
}));

const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) | 0;
const path = process.env.FUZZ_PATH || undefined;
const print = console.info.bind(console);

// FUZZ_STATS=1 prints what the run reached: each route's answers, and which wrote a session.
const recorders: Recorders = { console: [], rejections: [], ...(process.env.FUZZ_STATS ? { stats: new Map<string, number>() } : {}) };
const onRejection = (reason: unknown) => recorders.rejections.push(reason);
const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

beforeAll(() => {
	process.on('unhandledRejection', onRejection);
	for (const name of METHODS) {
		vi.spyOn(console, name).mockImplementation((...args: unknown[]) => {
			recorders.console.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
		});
	}
});

afterAll(() => {
	process.off('unhandledRejection', onRejection);
	vi.restoreAllMocks();
});

describe('both hooks under hostile input and hostile servers', () => {
	it(
		'never answers 5xx, hangs, leaks a token or redirects off the site, and never half-writes the session cookie',
		async () => {
			const keys = await serverKeys();
			print(`fuzz: ${runs} cases, seed ${seed}${path ? `, path ${path}` : ''} (replay: FUZZ_SEED=${seed}${path ? ` FUZZ_PATH=${path}` : ''})`);
			const started = Date.now();
			let cases = 0;
			const details = await fc.check(
				fc.asyncProperty(fuzzCase, async (c) => {
					cases++;
					if (cases % 5_000 === 0) print(`fuzz: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(0)} s`);
					try {
						await runCase(cases, c, keys, recorders, mode);
					} finally {
						recorders.console.length = 0;
					}
				}),
				{ numRuns: runs, seed, ...(path ? { path } : {}), endOnFailure: path !== undefined }
			);
			const seconds = ((Date.now() - started) / 1000).toFixed(1);
			print(
				details.failed
					? `fuzz: FAILED after ${details.numRuns - 1} passing cases (${cases} run with the shrinking) in ${seconds} s, seed ${seed}`
					: `fuzz: ok, ${details.numRuns} cases in ${seconds} s, seed ${seed}`
			);
			if (recorders.stats) print([...recorders.stats].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `${String(n).padStart(6)}  ${k}`).join('\n'));
			if (details.failed) {
				const error = details.errorInstance;
				print(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
				print(`fuzz: counterexample ${inspect(details.counterexample, { depth: 12, breakLength: 160, maxStringLength: 300 })}`);
				print(`fuzz: replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npx vitest run --project fuzz`);
			}
			expect(details.failed, details.failed ? fc.defaultReportMessage(details) : '').toBe(false);
			expect(recorders.rejections).toEqual([]);
		},
		60_000 + runs * 500
	);
});
