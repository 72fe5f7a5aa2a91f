import { misuse } from '../../errors.js';

/**
 * The parts of a test runner the contract suites use: vitest's and Jest's `describe`, `it`, `expect`,
 * `beforeEach` and `afterEach` fit as they are. `sveltekit-sso/testing/vitest` passes vitest's.
 */
export interface TestRunner {
	describe(name: string, body: () => void): unknown;
	/** The body may take the runner's test context (vitest passes one with `skip()`). */
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any runner's test context
	it(name: string, body: (context: any) => unknown): unknown;
	/** An `expect` with the usual matchers (`toEqual`, `toBe`, `toBeNull`, `rejects`, …). */
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any runner's matcher chain
	expect(actual: unknown): any;
	beforeEach(body: () => unknown): unknown;
	afterEach(body: () => unknown): unknown;
}

const NAMES = ['describe', 'it', 'expect', 'beforeEach', 'afterEach'] as const;

/**
 * The runner a suite registers its tests with: the one passed in `options.runner`, else the runner's
 * globals (vitest with `globals: true`, Jest). Without either it says how to fix the call.
 */
export function testRunner(fn: string, given: TestRunner | undefined): TestRunner {
	const candidate = (given ?? globalThis) as Partial<Record<(typeof NAMES)[number], unknown>>;
	if (NAMES.every((name) => typeof candidate[name] === 'function')) return candidate as TestRunner;
	throw misuse(
		'ERR_INVALID_ARGUMENT',
		`${fn}: no test runner. Import it from 'sveltekit-sso/testing/vitest', or pass { runner: { describe, it, expect, beforeEach, afterEach } }`
	);
}
