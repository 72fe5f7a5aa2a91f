import { type Clock } from '../clock.js';
import type { HandoffStateStore } from './handoff-state-store.js';
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
export declare class InMemoryHandoffStateStore implements HandoffStateStore {
    #private;
    constructor(options?: InMemoryHandoffStateStoreOptions);
    /** Entries currently held, expired ones not yet swept included. */
    get size(): number;
    set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void>;
    getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined>;
    get(stateId: string): Promise<Record<string, unknown> | undefined>;
    delete(stateId: string): Promise<void>;
}
