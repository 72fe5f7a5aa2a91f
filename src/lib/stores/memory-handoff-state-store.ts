import { DEFAULTS } from '../defaults.js';
import { systemClock, type Clock } from '../clock.js';
import { misuse } from '../errors.js';
import { functionOption, integerOption } from '../option-checks.js';
import { warnOnce } from '../environment.js';
import type { HandoffStateStore } from './handoff-state-store.js';
import { assertStateArguments, assertStateId } from './handoff-state-arguments.js';

/** Options of {@link InMemoryHandoffStateStore}. */
export interface InMemoryHandoffStateStoreOptions {
	/** Time source in ms since the epoch. Default: `Date.now`. */
	clock?: Clock;
	/**
	 * Most entries held at once. When a `set` would exceed it, expired entries are dropped first and
	 * then the oldest entry is evicted (its handoff then fails as expired). Default: `10_000`.
	 */
	maxEntries?: number;
	/**
	 * How often (in clock time) an operation also sweeps every expired entry. No timer is started: the
	 * sweep piggybacks on `set`/`get`/`getAndDelete`/`delete`, so an idle process holds at most what it
	 * held when it went idle. Default: `60_000`.
	 */
	sweepIntervalMs?: number;
}

interface Entry {
	readonly state: Record<string, unknown>;
	readonly expiresAtMs: number;
}

/**
 * {@link HandoffStateStore} in process memory, for development, tests and single-instance apps. Several
 * app instances need a shared store (`sveltekit-sso/redis` or `sveltekit-sso/postgres`): a handoff
 * minted by one instance must be redeemable on another.
 *
 * - Entries expire after their TTL (measured with `clock`) and read as absent from then on.
 * - `getAndDelete` is one-shot: of concurrent calls for one id exactly one gets the value.
 * - The store keeps a structured clone of the state and hands out clones: neither the object passed
 *   to `set` nor a returned value can change what is stored. State must be structured-cloneable
 *   (plain data; functions throw `DataCloneError`). For portability to the Redis and Postgres stores
 *   keep it JSON-compatible.
 * - Memory is bounded by `maxEntries`; expired entries are dropped on access and by a periodic sweep.
 *
 * @throws {TypeError} with code `ERR_INVALID_OPTION` for a bad option, `ERR_INVALID_ARGUMENT` for an
 *   empty `stateId` or a TTL that is not a positive number.
 *
 * @example
 * ```ts
 * const handoffState = new InMemoryHandoffStateStore({ maxEntries: 1_000 });
 * await handoffState.set(crypto.randomUUID(), { returnTo: '/inbox' }, 120);
 * ```
 */
export class InMemoryHandoffStateStore implements HandoffStateStore {
	readonly #clock: Clock;
	readonly #maxEntries: number;
	readonly #sweepIntervalMs: number;
	// Map iteration order is insertion order: the first key is the oldest entry, the one to evict.
	readonly #entries = new Map<string, Entry>();
	#lastSweepMs: number;
	// A lower bound of every held entry's expiry: a sweep before this instant cannot drop anything,
	// which keeps a store full of live entries from scanning itself on every `set`.
	#earliestExpiryMs = Number.POSITIVE_INFINITY;

	constructor(options: InMemoryHandoffStateStoreOptions = {}) {
		const { clock = systemClock, maxEntries = DEFAULTS.stores.memoryMaxEntries, sweepIntervalMs = DEFAULTS.stores.memorySweepIntervalMs } = options;
		functionOption('InMemoryHandoffStateStore', 'clock', clock);
		integerOption('InMemoryHandoffStateStore', 'maxEntries', maxEntries, 0, 1);
		if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
			throw misuse(
				'ERR_INVALID_OPTION',
				'InMemoryHandoffStateStore: options.sweepIntervalMs must be a non-negative number'
			);
		}
		this.#clock = clock;
		this.#maxEntries = maxEntries;
		this.#sweepIntervalMs = sweepIntervalMs;
		this.#lastSweepMs = clock();
	}

	/** Entries currently held, expired ones not yet swept included. */
	get size(): number {
		return this.#entries.size;
	}

	async set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void> {
		assertStateArguments('InMemoryHandoffStateStore.set', stateId, state, ttlSeconds);
		const now = this.#tick();
		const entry: Entry = {
			state: structuredClone(state),
			expiresAtMs: now + Math.ceil(ttlSeconds * 1000)
		};
		// Re-inserting moves the id to the young end of the eviction order.
		this.#entries.delete(stateId);
		if (this.#entries.size >= this.#maxEntries) this.#makeRoom(now);
		this.#entries.set(stateId, entry);
		if (entry.expiresAtMs < this.#earliestExpiryMs) this.#earliestExpiryMs = entry.expiresAtMs;
	}

	async getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('InMemoryHandoffStateStore.getAndDelete', stateId);
		const now = this.#tick();
		const entry = this.#entries.get(stateId);
		if (entry === undefined) return undefined;
		// Map access is synchronous, so read and delete happen in one step no other call can interleave.
		this.#entries.delete(stateId);
		// Nobody else references the stored clone once it is deleted: no second clone needed.
		return entry.expiresAtMs > now ? entry.state : undefined;
	}

	async get(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('InMemoryHandoffStateStore.get', stateId);
		const now = this.#tick();
		const entry = this.#entries.get(stateId);
		if (entry === undefined) return undefined;
		if (entry.expiresAtMs <= now) {
			this.#entries.delete(stateId);
			return undefined;
		}
		return structuredClone(entry.state);
	}

	async delete(stateId: string): Promise<void> {
		assertStateId('InMemoryHandoffStateStore.delete', stateId);
		this.#tick();
		this.#entries.delete(stateId);
	}

	/** Reads the clock and runs the periodic sweep when it is due. */
	#tick(): number {
		const now = this.#clock();
		if (now - this.#lastSweepMs >= this.#sweepIntervalMs) this.#sweep(now);
		return now;
	}

	#sweep(now: number): void {
		this.#lastSweepMs = now;
		if (now < this.#earliestExpiryMs) return;
		let earliest = Number.POSITIVE_INFINITY;
		for (const [id, entry] of this.#entries) {
			if (entry.expiresAtMs <= now) this.#entries.delete(id);
			else if (entry.expiresAtMs < earliest) earliest = entry.expiresAtMs;
		}
		this.#earliestExpiryMs = earliest;
	}

	#makeRoom(now: number): void {
		this.#sweep(now);
		while (this.#entries.size >= this.#maxEntries) {
			const oldest = this.#entries.keys().next().value as string;
			this.#entries.delete(oldest);
			warnOnce(
				'memory-handoff-state-full',
				`InMemoryHandoffStateStore is full (maxEntries ${this.#maxEntries}): evicting the oldest live entries`
			);
		}
	}
}
