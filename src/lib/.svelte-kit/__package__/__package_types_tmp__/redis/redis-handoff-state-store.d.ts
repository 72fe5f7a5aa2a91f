import { type Clock } from '../clock.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
import { type RedisClientLike } from './redis-client.js';
/** Options of {@link RedisHandoffStateStore}. */
export interface RedisHandoffStateStoreOptions {
    /**
     * A connected ioredis or node-redis client, configured to fail fast while Redis is down (see
     * {@link IoRedisClientLike} / {@link NodeRedisClientLike}).
     */
    client: RedisClientLike;
    /** Prepended to every key; state lives at `<keyPrefix>handoff:<stateId>`. Default: `'sso:'`. */
    keyPrefix?: string;
    /**
     * Time source in ms since the epoch. Redis expires keys on its own clock; entries also carry their
     * expiry so that reads agree with an injected clock. Default: `Date.now`.
     */
    clock?: Clock;
}
/**
 * {@link HandoffStateStore} on Redis (≥ 6.2 for `GETDEL`), through ioredis or node-redis (v4 to v6).
 *
 * One string key per entry, `<keyPrefix>handoff:<stateId>`, holding `{"expiresAtMs":…,"state":…}` with
 * a millisecond TTL (`ttlSeconds` may be fractional). `getAndDelete` is the atomic `GETDEL`: of
 * concurrent calls for one id exactly one gets the value. State is stored as JSON, so it must be
 * JSON-serializable and comes back as plain data.
 *
 * Errors: an `AuthError` with code `store_unavailable` when Redis cannot be reached (fail closed), and
 * with the same code and a message saying so when the stored value is not an entry this store wrote
 * (it is never returned; `getAndDelete` has deleted it). Messages contain neither ids nor state.
 * Bad arguments throw `TypeError` (`ERR_INVALID_ARGUMENT`).
 *
 * @throws {TypeError} with code `ERR_INVALID_OPTION` when `client` is missing or is not an ioredis or
 *   node-redis client, or `keyPrefix` is not a string.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisHandoffStateStore } from 'sveltekit-sso/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * const handoffState = new RedisHandoffStateStore({ client });
 * ```
 */
export declare class RedisHandoffStateStore implements HandoffStateStore {
    #private;
    constructor(options: RedisHandoffStateStoreOptions);
    set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void>;
    getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined>;
    get(stateId: string): Promise<Record<string, unknown> | undefined>;
    delete(stateId: string): Promise<void>;
}
