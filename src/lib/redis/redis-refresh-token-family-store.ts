import { systemClock, type Clock } from '../clock.js';
import { misuse } from '../errors.js';
import { BackendFailure } from '../stores/backend-failure.js';
import {
	acceptFamily,
	assertFamilyId,
	deepFreeze,
	parseFamily,
	serializeFamily
} from '../stores/refresh-token-family-codec.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult
} from '../stores/refresh-token-family-store.js';
import { adaptRedisClient, type RedisClientLike, type RedisCommands } from './redis-client.js';

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

// Compare-and-set on the version prefix of the stored value. 1 committed, -1 the version moved on,
// 0 the key vanished (expired or deleted) since it was read.
const COMPARE_AND_SET = `local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.match(current, '^(%d+):') ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const MAX_ATTEMPTS = 8;
const RECORD = /^(\d{1,15}):/;

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
export class RedisRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
	readonly kind = 'redis';
	readonly #redis: RedisCommands;
	readonly #keyPrefix: string;
	readonly #clock: Clock;

	constructor(options: RedisRefreshTokenFamilyStoreOptions) {
		const where = 'RedisRefreshTokenFamilyStore';
		const { client, keyPrefix = 'sso:', clock = systemClock } = options ?? ({} as never);
		this.#redis = adaptRedisClient(where, client);
		if (typeof keyPrefix !== 'string') {
			throw misuse('ERR_INVALID_OPTION', `${where}: options.keyPrefix must be a string`);
		}
		if (typeof clock !== 'function') {
			throw misuse('ERR_INVALID_OPTION', `${where}: options.clock must be a function`);
		}
		this.#keyPrefix = keyPrefix;
		this.#clock = clock;
	}

	async findFamily(familyId: string): Promise<RefreshTokenFamily | null> {
		assertFamilyId('RedisRefreshTokenFamilyStore.findFamily', familyId);
		const record = await this.#read(familyId, 'findFamily');
		return record !== null && record.family.expiresAtMs > this.#now() ? record.family : null;
	}

	async registerFamily(family: RefreshTokenFamily): Promise<void> {
		const accepted = acceptFamily('RedisRefreshTokenFamilyStore.registerFamily', 'family', family);
		const ttlMs = accepted.expiresAtMs - this.#now();
		if (ttlMs <= 0) {
			throw new RefreshTokenStorageError({
				reason: 'expired-at-issue',
				message: 'refresh token family expires at or before the time of issue'
			});
		}
		const created = await this.#call('registerFamily', () =>
			this.#redis.setPx(this.#key(accepted.familyId), `1:${serializeFamily(accepted)}`, ttlMs, true)
		);
		if (!created) {
			throw new RefreshTokenStorageError({
				reason: 'duplicate-family',
				message: 'a refresh token family with this id already exists'
			});
		}
	}

	async updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult> {
		const where = 'RedisRefreshTokenFamilyStore.updateFamily';
		assertFamilyId(where, familyId);
		if (typeof updater !== 'function') {
			throw misuse('ERR_INVALID_ARGUMENT', `${where}: updater must be a function`);
		}
		for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
			const record = await this.#read(familyId, 'updateFamily');
			if (record === null || record.family.expiresAtMs <= this.#now()) {
				return { outcome: 'not-found' };
			}
			const next = updater(deepFreeze(record.family));
			if (next === null) return { outcome: 'aborted' };
			const accepted = acceptFamily(where, 'the family returned by the updater', next);
			if (accepted.familyId !== familyId) {
				throw misuse('ERR_INVALID_ARGUMENT', `${where}: the updater must not change familyId`);
			}
			const ttlMs = accepted.expiresAtMs - this.#now();
			if (ttlMs <= 0) {
				throw new RefreshTokenStorageError({
					reason: 'expired-at-issue',
					message: 'the updated refresh token family expires at or before the time of the update'
				});
			}
			const value = `${record.version + 1}:${serializeFamily(accepted)}`;
			const reply = await this.#call('updateFamily', () =>
				this.#redis.evalOnKey(COMPARE_AND_SET, this.#key(familyId), [
					String(record.version),
					value,
					String(ttlMs)
				])
			);
			if (Number(reply) === 1) return { outcome: 'committed', family: accepted };
			// Lost the race (or the key expired meanwhile): back off a little so a crowd of writers spreads
			// out, then start over from a fresh read.
			if (attempt < MAX_ATTEMPTS) {
				await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
			}
		}
		throw new RefreshTokenStorageError({
			reason: 'conflict-exhausted',
			message: `refresh token family update lost ${MAX_ATTEMPTS} compare-and-set races in a row`
		});
	}

	#key(familyId: string): string {
		return `${this.#keyPrefix}rtf:${familyId}`;
	}

	#now(): number {
		return Math.floor(this.#clock());
	}

	async #read(
		familyId: string,
		operation: string
	): Promise<{ version: number; family: RefreshTokenFamily } | null> {
		const raw = await this.#call(operation, () => this.#redis.get(this.#key(familyId)));
		if (raw === null) return null;
		const match = RECORD.exec(raw);
		const family = match === null ? null : parseFamily(raw.slice(match[0].length), familyId);
		if (match === null || family === null) throw corrupt(operation);
		return { version: Number(match[1]), family };
	}

	async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			if (!(error instanceof BackendFailure)) throw error;
			if (error.kind === 'corrupt') throw corrupt(operation, error.cause);
			throw new RefreshTokenStorageError({
				reason: 'unavailable',
				message: `RedisRefreshTokenFamilyStore.${operation}: Redis is unavailable`,
				cause: error.cause
			});
		}
	}
}

function corrupt(operation: string, cause?: unknown): RefreshTokenStorageError {
	return new RefreshTokenStorageError({
		reason: 'corrupt-data',
		message: `RedisRefreshTokenFamilyStore.${operation}: the stored refresh token family is corrupt`,
		cause
	});
}
