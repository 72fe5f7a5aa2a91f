import { systemClock, type Clock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { warnOnce } from '../environment.js';
import { functionOption, integerOption } from '../option-checks.js';
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
	/**
	 * Most entries (families and logout records) held at once. Beyond it the store evicts expired
	 * entries first, then revoked families and logout records, then the least recently used live
	 * family (its session is rebuilt from its cookie at the next refresh, or ends). Default: `50_000`.
	 */
	maxEntries?: number;
	/**
	 * Most bytes held at once, estimated as the characters of each entry's strings (id, subject,
	 * payloads, lease id) plus a fixed overhead per entry; evicts in the same order as `maxEntries`.
	 * The family being written is never evicted, so one entry larger than this is still kept, alone.
	 * Default: `67_108_864` (64 MiB).
	 */
	maxBytes?: number;
}

// Expired families are purged at most this often (clock time), by whichever operation comes first.
const SWEEP_INTERVAL_MS = 60_000;
// The estimated cost of one entry beyond its strings: the object, its numbers, the Map slot.
const ENTRY_OVERHEAD_BYTES = 256;

interface Entry {
	readonly family: RefreshTokenFamily;
	readonly bytes: number;
}

function entryOf(family: RefreshTokenFamily): Entry {
	const chars =
		family.familyId.length +
		family.subject.length +
		family.payload.length +
		(family.previousPayload?.length ?? 0) +
		(family.lease?.id.length ?? 0);
	return { family, bytes: ENTRY_OVERHEAD_BYTES + chars };
}

/**
 * {@link RefreshTokenFamilyStore} in process memory, for development, tests and single-instance apps.
 * Single flight across several app instances needs a shared store (`sveltekit-sso/redis`,
 * `sveltekit-sso/postgres`).
 *
 * Semantics (seed 002), identical to the shared stores:
 * - `registerFamily` throws `duplicate-family` while the store still holds a family with that id,
 *   revoked or expired ones included; expired families are purged by a sweep that runs at most once a
 *   minute of clock time (and when the store is full), after which the id is free again. Throws
 *   `expired-at-issue` when `expiresAtMs <= now`.
 * - `findFamily` answers null for a missing or expired family.
 * - `updateFamily` hands the updater a deep-frozen value (mutating it throws in strict-mode code and
 *   cannot reach the store), commits a private frozen copy of what the updater returns, and changes
 *   nothing when the updater returns null, throws (its error propagates) or returns an invalid
 *   family (`TypeError`). Committing `expiresAtMs <= now` throws `expired-at-issue`. A missing or
 *   expired family answers `not-found` without calling the updater. JavaScript runs the whole
 *   read-modify-write without yielding, so there are no CAS conflicts and the updater runs once.
 *
 * Memory is bounded by `maxEntries` and `maxBytes` (docs/SECURITY.md X1). When a write would exceed
 * either, the store evicts expired entries, then revoked families and logout records (least recently
 * used first), then the least recently used live family, and warns once per process when it had to
 * evict a live one. An evicted entry reads as absent, as after a restart: a forgotten revocation lets a
 * copied cookie be rebuilt (X3). Size the bounds, or use a shared store, so that never happens.
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
	readonly #maxEntries: number;
	readonly #maxBytes: number;
	// Two eviction tiers, each a Map in least-recently-used order (the first key goes first): live
	// families, and revoked ones (sign-out, replay, logout records, which are revoked from birth).
	readonly #live = new Map<string, Entry>();
	readonly #revoked = new Map<string, Entry>();
	#bytes = 0;
	#lastSweepMs: number;
	// A lower bound of every held entry's expiry: a sweep before this instant cannot drop anything,
	// which keeps a full store of live families from scanning itself on every write.
	#earliestExpiryMs = Number.POSITIVE_INFINITY;

	constructor(options: InMemoryRefreshTokenFamilyStoreOptions = {}) {
		const FN = 'InMemoryRefreshTokenFamilyStore';
		const { clock = systemClock } = options;
		functionOption(FN, 'clock', clock);
		this.#clock = clock;
		this.#maxEntries = integerOption(FN, 'maxEntries', options.maxEntries, DEFAULTS.stores.memoryFamilyMaxEntries, 1);
		this.#maxBytes = integerOption(FN, 'maxBytes', options.maxBytes, DEFAULTS.stores.memoryFamilyMaxBytes, 1);
		this.#lastSweepMs = clock();
	}

	/** Families currently held, expired ones not yet swept included. */
	get size(): number {
		return this.#live.size + this.#revoked.size;
	}

	async findFamily(familyId: string): Promise<RefreshTokenFamily | null> {
		assertFamilyId('InMemoryRefreshTokenFamilyStore.findFamily', familyId);
		const now = this.#tick();
		const entry = this.#get(familyId);
		if (entry === undefined || entry.family.expiresAtMs <= now) return null;
		this.#touch(entry);
		return entry.family;
	}

	async registerFamily(family: RefreshTokenFamily): Promise<void> {
		const accepted = acceptFamily(
			'InMemoryRefreshTokenFamilyStore.registerFamily',
			'family',
			family
		);
		const now = this.#tick();
		if (accepted.expiresAtMs <= now) throw expiredAtIssue('issue');
		if (this.#get(accepted.familyId) !== undefined) throw duplicateFamily();
		this.#put(entryOf(accepted), now);
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
		const current = this.#get(familyId);
		if (current === undefined || current.family.expiresAtMs <= now) return { outcome: 'not-found' };
		// `current.family` is deep-frozen, so it can go to the updater as is.
		const next = updater(current.family);
		if (next === null) {
			this.#touch(current);
			return { outcome: 'aborted' };
		}
		const { accepted } = acceptUpdate(where, familyId, next, () => now);
		// Out first, so that making room for the new value can never evict the family being written.
		this.#delete(current);
		this.#put(entryOf(accepted), now);
		return { outcome: 'committed', family: accepted };
	}

	#get(familyId: string): Entry | undefined {
		return this.#live.get(familyId) ?? this.#revoked.get(familyId);
	}

	#tierOf(family: RefreshTokenFamily): Map<string, Entry> {
		return family.revokedAtMs === null ? this.#live : this.#revoked;
	}

	/** Moves the entry to the young end of its tier. */
	#touch(entry: Entry): void {
		const tier = this.#tierOf(entry.family);
		tier.delete(entry.family.familyId);
		tier.set(entry.family.familyId, entry);
	}

	#delete(entry: Entry): void {
		if (this.#tierOf(entry.family).delete(entry.family.familyId)) this.#bytes -= entry.bytes;
	}

	/** Stores an entry whose id is not held, after making room for it. */
	#put(entry: Entry, now: number): void {
		this.#makeRoom(entry.bytes, now);
		this.#tierOf(entry.family).set(entry.family.familyId, entry);
		this.#bytes += entry.bytes;
		if (entry.family.expiresAtMs < this.#earliestExpiryMs) this.#earliestExpiryMs = entry.family.expiresAtMs;
	}

	#full(incomingBytes: number): boolean {
		return this.size >= this.#maxEntries || this.#bytes + incomingBytes > this.#maxBytes;
	}

	#makeRoom(incomingBytes: number, now: number): void {
		if (!this.#full(incomingBytes)) return;
		this.#sweep(now);
		// Live families go first: a session whose family was evicted re-registers it from its cookie at
		// the next refresh. Revoked families and logout records go last, because forgetting one brings a
		// signed-out session back.
		while (this.#live.size > 0 && this.#full(incomingBytes)) {
			this.#evictOldest(this.#live);
			warnOnce(
				'memory-family-store-full',
				`InMemoryRefreshTokenFamilyStore is full (maxEntries ${this.#maxEntries}, maxBytes ${this.#maxBytes}): evicting the least recently used live refresh-token families (their sessions re-register them at the next refresh). Use a shared store: pass familyStore from sveltekit-sso/redis or sveltekit-sso/postgres (or raise maxEntries / maxBytes).`
			);
		}
		while (this.#revoked.size > 0 && this.#full(incomingBytes)) {
			this.#evictOldest(this.#revoked);
			warnOnce(
				'memory-family-store-full-revoked',
				`InMemoryRefreshTokenFamilyStore is full of revoked families and logout records: evicting the oldest, so those sign-outs and back-channel logouts are forgotten. Use a shared store (sveltekit-sso/redis, sveltekit-sso/postgres) or raise maxEntries / maxBytes.`
			);
		}
	}

	#evictOldest(tier: Map<string, Entry>): void {
		const oldest = tier.values().next().value as Entry;
		this.#delete(oldest);
	}

	#tick(): number {
		const now = this.#clock();
		if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) this.#sweep(now);
		return now;
	}

	#sweep(now: number): void {
		this.#lastSweepMs = now;
		if (now < this.#earliestExpiryMs) return;
		let earliest = Number.POSITIVE_INFINITY;
		for (const tier of [this.#live, this.#revoked]) {
			for (const entry of tier.values()) {
				if (entry.family.expiresAtMs <= now) this.#delete(entry);
				else if (entry.family.expiresAtMs < earliest) earliest = entry.family.expiresAtMs;
			}
		}
		this.#earliestExpiryMs = earliest;
	}
}
