import type { Clock } from '../clock.js';
import { mapBackendFailure } from '../stores/backend-failure.js';
import { casUpdate, duplicateFamily, expiredAtIssue } from '../stores/family-cas.js';
import {
	acceptFamily,
	assertFamilyId,
	parseFamily,
	serializeFamily
} from '../stores/refresh-token-family-codec.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult
} from '../stores/refresh-token-family-store.js';
import {
	resolveRedisStoreOptions,
	type RedisClientLike,
	type RedisCommands
} from './redis-client.js';

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
		const { redis, keyPrefix, clock } = resolveRedisStoreOptions(
			'RedisRefreshTokenFamilyStore',
			options
		);
		this.#redis = redis;
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
		if (ttlMs <= 0) throw expiredAtIssue('issue');
		const created = await this.#call('registerFamily', () =>
			this.#redis.setPx(this.#key(accepted.familyId), `1:${serializeFamily(accepted)}`, ttlMs, true)
		);
		if (!created) throw duplicateFamily();
	}

	async updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult> {
		return casUpdate({
			where: 'RedisRefreshTokenFamilyStore.updateFamily',
			familyId,
			updater,
			now: () => this.#now(),
			read: async () => {
				const record = await this.#read(familyId, 'updateFamily');
				// Redis drops the key on its own clock; the injected one may already call the family expired.
				return record === null || record.family.expiresAtMs <= this.#now() ? null : record;
			},
			commit: async (version, next, now) => {
				const value = `${version + 1}:${serializeFamily(next)}`;
				const reply = await this.#call('updateFamily', () =>
					this.#redis.evalOnKey(COMPARE_AND_SET, this.#key(familyId), [
						String(version),
						value,
						String(next.expiresAtMs - now)
					])
				);
				return Number(reply) === 1;
			}
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

	#call<T>(operation: string, run: () => Promise<T>): Promise<T> {
		return mapBackendFailure(run, (failure) =>
			failure.kind === 'corrupt'
				? corrupt(operation, failure.cause)
				: new RefreshTokenStorageError({
						reason: 'unavailable',
						message: `RedisRefreshTokenFamilyStore.${operation}: Redis is unavailable`,
						cause: failure.cause
					})
		);
	}
}

function corrupt(operation: string, cause?: unknown): RefreshTokenStorageError {
	return new RefreshTokenStorageError({
		reason: 'corrupt-data',
		message: `RedisRefreshTokenFamilyStore.${operation}: the stored refresh token family is corrupt`,
		cause
	});
}
