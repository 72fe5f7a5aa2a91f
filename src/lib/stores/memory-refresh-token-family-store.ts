import { systemClock, type Clock } from '../clock.js';
import { functionOption } from '../option-checks.js';
import {
	acceptUpdate,
	assertUpdateArguments,
	duplicateFamily,
	expiredAtIssue
} from './family-cas.js';
import { acceptFamily, assertFamilyId } from './refresh-token-family-codec.js';
import type {
	RefreshTokenFamily,
	RefreshTokenFamilyStore,
	RefreshTokenFamilyUpdateResult
} from './refresh-token-family-store.js';

/** Options of {@link InMemoryRefreshTokenFamilyStore}. */
export interface InMemoryRefreshTokenFamilyStoreOptions {
	/** Time source in ms since the epoch. Default: `Date.now`. */
	clock?: Clock;
}

// Expired families are purged at most this often (clock time), by whichever operation comes first.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * {@link RefreshTokenFamilyStore} in process memory, for development, tests and single-instance apps.
 * Single flight across several app instances needs a shared store (`sveltekit-sso/redis`,
 * `sveltekit-sso/postgres`).
 *
 * Semantics (seed 002), identical to the shared stores:
 * - `registerFamily` throws `duplicate-family` while the store still holds a family with that id,
 *   revoked or expired ones included; expired families are purged by a sweep that runs at most once a
 *   minute of clock time, after which the id is free again. Throws `expired-at-issue` when
 *   `expiresAtMs <= now`.
 * - `findFamily` answers null for a missing or expired family.
 * - `updateFamily` hands the updater a deep-frozen value (mutating it throws in strict-mode code and
 *   cannot reach the store), commits a private frozen copy of what the updater returns, and changes
 *   nothing when the updater returns null, throws (its error propagates) or returns an invalid
 *   family (`TypeError`). Committing `expiresAtMs <= now` throws `expired-at-issue`. A missing or
 *   expired family answers `not-found` without calling the updater. JavaScript runs the whole
 *   read-modify-write without yielding, so there are no CAS conflicts and the updater runs once.
 *
 * Values returned by the store are deep-frozen and may be shared; treat them as read-only.
 *
 * @example
 * ```ts
 * const rotation = createRefreshTokenFamilyRotation({ store: new InMemoryRefreshTokenFamilyStore() });
 * ```
 */
export class InMemoryRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
	readonly kind = 'memory';
	readonly #clock: Clock;
	readonly #families = new Map<string, RefreshTokenFamily>();
	#lastSweepMs: number;

	constructor(options: InMemoryRefreshTokenFamilyStoreOptions = {}) {
		const { clock = systemClock } = options;
		functionOption('InMemoryRefreshTokenFamilyStore', 'clock', clock);
		this.#clock = clock;
		this.#lastSweepMs = clock();
	}

	/** Families currently held, expired ones not yet swept included. */
	get size(): number {
		return this.#families.size;
	}

	async findFamily(familyId: string): Promise<RefreshTokenFamily | null> {
		assertFamilyId('InMemoryRefreshTokenFamilyStore.findFamily', familyId);
		const now = this.#tick();
		const family = this.#families.get(familyId);
		return family !== undefined && family.expiresAtMs > now ? family : null;
	}

	async registerFamily(family: RefreshTokenFamily): Promise<void> {
		const accepted = acceptFamily(
			'InMemoryRefreshTokenFamilyStore.registerFamily',
			'family',
			family
		);
		const now = this.#tick();
		if (accepted.expiresAtMs <= now) throw expiredAtIssue('issue');
		if (this.#families.has(accepted.familyId)) throw duplicateFamily();
		this.#families.set(accepted.familyId, accepted);
	}

	async updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult> {
		// Not casUpdate: its awaited read would let a concurrent update slip in between read and write,
		// where this synchronous read-modify-write needs neither versions nor retries.
		const where = 'InMemoryRefreshTokenFamilyStore.updateFamily';
		assertUpdateArguments(where, familyId, updater);
		const now = this.#tick();
		const current = this.#families.get(familyId);
		if (current === undefined || current.expiresAtMs <= now) return { outcome: 'not-found' };
		// `current` is deep-frozen, so it can go to the updater as is.
		const next = updater(current);
		if (next === null) return { outcome: 'aborted' };
		const { accepted } = acceptUpdate(where, familyId, next, () => now);
		this.#families.set(familyId, accepted);
		return { outcome: 'committed', family: accepted };
	}

	#tick(): number {
		const now = this.#clock();
		if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) {
			this.#lastSweepMs = now;
			for (const [id, family] of this.#families)
				if (family.expiresAtMs <= now) this.#families.delete(id);
		}
		return now;
	}
}
