import { type Clock } from '../clock.js';
import { type RefreshTokenFamily, type RefreshTokenFamilyStore, type RefreshTokenFamilyUpdateResult } from './refresh-token-family-store.js';
/** Options of {@link InMemoryRefreshTokenFamilyStore}. */
export interface InMemoryRefreshTokenFamilyStoreOptions {
    /** Time source in ms since the epoch. Default: `Date.now`. */
    clock?: Clock;
}
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
export declare class InMemoryRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
    #private;
    readonly kind = "memory";
    constructor(options?: InMemoryRefreshTokenFamilyStoreOptions);
    /** Families currently held, expired ones not yet swept included. */
    get size(): number;
    findFamily(familyId: string): Promise<RefreshTokenFamily | null>;
    registerFamily(family: RefreshTokenFamily): Promise<void>;
    updateFamily(familyId: string, updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null): Promise<RefreshTokenFamilyUpdateResult>;
}
