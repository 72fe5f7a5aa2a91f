import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { isPlainObject } from '../json.js';
import { mapBackendFailure } from '../stores/backend-failure.js';
import { assertStateArguments, assertStateId } from '../stores/handoff-state-arguments.js';
import { parseState, serializeState } from '../stores/handoff-state-codec.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
import {
	resolveRedisStoreOptions,
	type RedisClientLike,
	type RedisCommands
} from './redis-client.js';

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
export class RedisHandoffStateStore implements HandoffStateStore {
	readonly #redis: RedisCommands;
	readonly #keyPrefix: string;
	readonly #clock: Clock;

	constructor(options: RedisHandoffStateStoreOptions) {
		const { redis, keyPrefix, clock } = resolveRedisStoreOptions('RedisHandoffStateStore', options);
		this.#redis = redis;
		this.#keyPrefix = keyPrefix;
		this.#clock = clock;
	}

	async set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void> {
		assertStateArguments('RedisHandoffStateStore.set', stateId, state, ttlSeconds);
		const ttlMs = Math.ceil(ttlSeconds * 1000);
		const expiresAtMs = Math.floor(this.#clock()) + ttlMs;
		const value = `{"expiresAtMs":${expiresAtMs},"state":${serializeState('RedisHandoffStateStore.set', state)}}`;
		await this.#call('set', () => this.#redis.setPx(this.#key(stateId), value, ttlMs, false));
	}

	async getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('RedisHandoffStateStore.getAndDelete', stateId);
		const raw = await this.#call('getAndDelete', () => this.#redis.getDel(this.#key(stateId)));
		return this.#open(raw, 'getAndDelete');
	}

	async get(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('RedisHandoffStateStore.get', stateId);
		const raw = await this.#call('get', () => this.#redis.get(this.#key(stateId)));
		return this.#open(raw, 'get');
	}

	async delete(stateId: string): Promise<void> {
		assertStateId('RedisHandoffStateStore.delete', stateId);
		await this.#call('delete', () => this.#redis.del(this.#key(stateId)));
	}

	#key(stateId: string): string {
		return `${this.#keyPrefix}handoff:${stateId}`;
	}

	#open(raw: string | null, operation: string): Record<string, unknown> | undefined {
		if (raw === null) return undefined;
		const entry = parseState(raw);
		const state = entry?.state;
		if (entry === null || !Number.isSafeInteger(entry.expiresAtMs) || !isPlainObject(state)) {
			throw new AuthError(
				'store_unavailable',
				`RedisHandoffStateStore.${operation}: the stored handoff state is corrupt`
			);
		}
		return (entry.expiresAtMs as number) > this.#clock() ? state : undefined;
	}

	#call<T>(operation: string, run: () => Promise<T>): Promise<T> {
		return mapBackendFailure(run, (failure) => {
			const message =
				failure.kind === 'corrupt'
					? `RedisHandoffStateStore.${operation}: the stored handoff state is corrupt`
					: `RedisHandoffStateStore.${operation}: Redis is unavailable`;
			return new AuthError('store_unavailable', message, { cause: failure.cause });
		});
	}
}
