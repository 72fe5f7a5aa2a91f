import type { Clock } from '../../clock.js';
import type { TestRunner } from './test-runner.js';

/**
 * The clock a contract suite hands to a store factory: call it for the time (it is a {@link Clock}),
 * `advance` it to move on. Pass it as the store's `clock` option.
 */
export interface ContractClock {
	(): number;
	/** Moves time forward by `ms`; in real-time mode this sleeps for `ms`. */
	advance(ms: number): Promise<void>;
	/** True when the suite runs on real time (the store cannot take an injected clock). */
	readonly realTime: boolean;
}

/** Options common to the contract suites. */
export interface StoreContractOptions {
	/**
	 * Set when the store cannot take an injected clock and expires entries on its own (say a backend's
	 * native TTL). The suite then runs on `Date.now`, uses TTLs of about one second and sleeps through
	 * them: the expiry cases still run, slower. Default: false (a frozen clock moved by `advance`).
	 */
	realTime?: boolean;
	/**
	 * The test runner to register the suite with. Default: the runner's globals (vitest with
	 * `globals: true`, Jest); `sveltekit-sso/testing/vitest` passes vitest's.
	 */
	runner?: TestRunner;
}

export function createContractClock(realTime: boolean): ContractClock {
	if (realTime) {
		return Object.assign(() => Date.now(), {
			realTime: true,
			advance: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
		});
	}
	// Frozen unless advanced: "expires at now" and "one millisecond before expiry" are exact.
	let now = Date.now();
	return Object.assign(() => now, {
		realTime: false,
		async advance(ms: number) {
			now += ms;
		}
	});
}
