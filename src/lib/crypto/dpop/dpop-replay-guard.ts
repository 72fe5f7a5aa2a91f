import { DEFAULTS } from '../../defaults.js';

/** Remembers the proofs a server accepted, for as long as they could be replayed. */
export interface DpopReplayGuard {
	/**
	 * True the first time `key` is claimed before `expiresAtMs`; false for a replay, or when full.
	 * A guard shared by several instances (one atomic set-if-absent with a TTL, e.g. Redis
	 * `SET key 1 NX PXAT expiresAtMs`) may answer asynchronously; a failure must answer false.
	 */
	claim(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}

/**
 * An in-memory replay guard (RFC 9449 §11.1): entries live until the proof would be refused for its
 * `iat` anyway, so memory is bounded by the proof rate times the window. Beyond `maxEntries` live
 * entries it refuses new proofs rather than forgetting old ones (fail closed, docs/SECURITY.md X1).
 * One process: instances behind a balancer need a shared guard instead (docs/SECURITY.md D3).
 */
export function createDpopReplayGuard(options: { clock: () => number; maxEntries?: number }): DpopReplayGuard {
	const maxEntries = options.maxEntries ?? DEFAULTS.dpop.replayMaxEntries;
	const seen = new Map<string, number>();
	function sweep(now: number) {
		for (const [key, expiresAt] of seen) if (expiresAt <= now) seen.delete(key);
	}
	return {
		claim(key, expiresAtMs) {
			const now = options.clock();
			const known = seen.get(key);
			if (known !== undefined && known > now) return false;
			if (seen.size >= maxEntries) sweep(now);
			if (seen.size >= maxEntries) return false;
			seen.set(key, expiresAtMs);
			return true;
		}
	};
}
