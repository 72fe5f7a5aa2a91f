import { DEFAULTS } from '../../defaults.js';

/** A per-key token bucket: at most `burst` at once, refilled at `ratePerSecond`. */
export interface VerifyBudget {
	/** Takes one call from `key`'s bucket at `now` (ms); false when the bucket is empty. */
	take(key: string, now: number): boolean;
}

/**
 * Bounds the verify calls of one process per client (docs/SECURITY.md X5). Every anonymous
 * `?handoff_token=…` that passes the local checks makes the app POST its client credentials to the
 * verify endpoint; a loop of them would trip the server's rate limit for the whole client, on every
 * instance. Keys come from configuration (verify URL and client id), never from a request, so the
 * map stays as small as the number of configured clients.
 */
export function createVerifyBudget(limits: { readonly ratePerSecond: number; readonly burst: number }): VerifyBudget {
	const buckets = new Map<string, { tokens: number; at: number }>();
	return {
		take(key, now) {
			let bucket = buckets.get(key);
			if (bucket === undefined) {
				bucket = { tokens: limits.burst, at: now };
				buckets.set(key, bucket);
			}
			// A clock that goes back refills nothing until it passes the last refill again.
			if (now > bucket.at) {
				bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) * limits.ratePerSecond) / 1000);
				bucket.at = now;
			}
			if (bucket.tokens < 1) return false;
			bucket.tokens -= 1;
			return true;
		}
	};
}

/** The process-wide budget every handoff entry point draws from. */
export const verifyBudget: VerifyBudget = createVerifyBudget(DEFAULTS.handoff.verifyBudget);
