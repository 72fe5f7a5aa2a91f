import { type Clock } from '../clock.js';
import { type RefreshTokenFamily, type RefreshTokenFamilyStore, type RefreshTokenFamilyUpdateResult } from '../stores/refresh-token-family-store.js';
import { type RedisClientLike } from './redis-client.js';
/** Options of {@link RedisRefreshTokenFamilyStore}. */
export interface RedisRefreshTokenFamilyStoreOptions {
    /**
     * A connected ioredis or node-redis client, configured to fail fast while Redis is down (see
     * {@link IoRedisClientLike} / {@link NodeRedisClientLike}); otherwise a refresh waits for Redis to
     * come back instead of failing closed.
     */
    client: RedisClientLike;
    /** Prepended to every key; families live at `<keyPrefix>rtf:<familyId>`. Default: `'sso:'`. */
    keyPrefix?: string;
    /** Time source in ms since the epoch, for `expired-at-issue` and expiry checks. Default: `Date.now`. */
    clock?: Clock;
}
/**
 * {@link RefreshTokenFamilyStore} on Redis (≥ 6.2), through ioredis or node-redis (v4 to v6).
 *
 * One string key per family, `<keyPrefix>rtf:<familyId>`, holding `<version>:<family JSON>` with a
 * millisecond TTL that ends at the family's `expiresAtMs`, so Redis frees expired families itself.
 * Every operation touches a single key, which keeps it valid on Redis Cluster.
 *
 * - `registerFamily` is `SET NX PX`: of concurrent registrations of one id exactly one wins; the others,
 *   and any registration while Redis still holds the key (revoked, or expired by the injected clock but
 *   not yet by Redis), throw `duplicate-family`. `expiresAtMs <= now` throws `expired-at-issue`.
 * - `updateFamily` reads, runs the updater on a deep-frozen copy, and commits with a Lua
 *   compare-and-set on the version; on a conflict it re-reads and re-runs the updater, with jittered
 *   backoff, at most 8 times, then throws `conflict-exhausted`.
 * - A value that is not a family stored under its id (or a key of another Redis type) throws
 *   `corrupt-data`; it is never returned or overwritten.
 * - Any client error (connection refused or lost, timeout, offline queue disabled) throws
 *   `unavailable`, whose message contains neither the family id nor the payload.
 *
 * @throws {TypeError} with code `ERR_INVALID_OPTION` when `client` is missing or is not an ioredis or
 *   node-redis client, or `keyPrefix` is not a string.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { RedisRefreshTokenFamilyStore } from 'sveltekit-sso/redis';
 *
 * const client = new Redis(process.env.REDIS_URL, {
 *   maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000
 * });
 * const store = new RedisRefreshTokenFamilyStore({ client });
 * ```
 */
export declare class RedisRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
    #private;
    readonly kind = "redis";
    constructor(options: RedisRefreshTokenFamilyStoreOptions);
    findFamily(familyId: string): Promise<RefreshTokenFamily | null>;
    registerFamily(family: RefreshTokenFamily): Promise<void>;
    updateFamily(familyId: string, updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null): Promise<RefreshTokenFamilyUpdateResult>;
}
