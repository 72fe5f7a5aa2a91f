import { systemClock, type Clock } from '../clock.js';
import { misuse } from '../errors.js';
import { BackendFailure } from '../stores/backend-failure.js';

/**
 * The part of an [ioredis](https://github.com/redis/ioredis) client (`Redis` or `Cluster`) the stores
 * call. Create it for fast failure: `new Redis({ maxRetriesPerRequest: 1, enableOfflineQueue: false,
 * commandTimeout: 2_000 })` — with ioredis' defaults a command waits through 20 reconnection attempts
 * while Redis is down, and a sign-in hangs with it. A `Cluster` takes the same settings per node:
 * `new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1,
 * commandTimeout: 2_000 } })`.
 */
export interface IoRedisClientLike {
	get(key: string): Promise<string | null>;
	getdel(key: string): Promise<string | null>;
	// `any` because ioredis types SET and EVAL as dozens of overloads, with a trailing callback.
	set(key: string, value: string, ...args: any[]): Promise<unknown>;
	del(key: string): Promise<unknown>;
	eval(script: string, numKeys: number, ...args: any[]): Promise<unknown>;
}

/**
 * The part of a [node-redis](https://github.com/redis/node-redis) v4, v5 or v6 client (`createClient`
 * or `createCluster`, connected) the stores call. Create it for fast failure: `createClient({
 * disableOfflineQueue: true, socket: { connectTimeout: 2_000 } })` — by default commands queue while
 * the connection is down and a sign-in waits for Redis to come back. A cluster takes them as
 * `defaults`: `createCluster({ rootNodes, defaults: { disableOfflineQueue: true, socket: {
 * connectTimeout: 2_000 } } })`.
 */
export interface NodeRedisClientLike {
	get(key: string): Promise<unknown>;
	getDel(key: string): Promise<unknown>;
	set(key: string, value: string, options?: { PX?: number; NX?: boolean }): Promise<unknown>;
	del(key: string): Promise<unknown>;
	eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** An ioredis or node-redis client; the stores detect which one they got. */
export type RedisClientLike = IoRedisClientLike | NodeRedisClientLike;

/**
 * The commands the stores need, with one calling convention over both clients. Every method throws
 * {@link BackendFailure}: `corrupt` when the key holds another Redis type (WRONGTYPE), otherwise
 * `unavailable`.
 */
export interface RedisCommands {
	get(key: string): Promise<string | null>;
	getDel(key: string): Promise<string | null>;
	/** SET with a millisecond TTL; with `onlyIfAbsent` it is SET NX and answers false when the key exists. */
	setPx(key: string, value: string, ttlMs: number, onlyIfAbsent: boolean): Promise<boolean>;
	del(key: string): Promise<void>;
	/**
	 * EVAL of a script over exactly one key, passed as KEYS[1]: Redis Cluster runs a script on the
	 * master of its declared keys' slot, so a key passed any other way (in ARGV, or built inside the
	 * script) works on one Redis and fails on a cluster. A future script over two keys must declare
	 * both and give them one hash tag (`…{familyId}…`) so that they share a slot (docs/CONTRACTS.md).
	 */
	evalOnKey(script: string, key: string, args: string[]): Promise<unknown>;
}

/** Validates `client` and wraps it; `where` names the constructor in the misuse message. */
export function adaptRedisClient(where: string, client: unknown): RedisCommands {
	const c = client as Record<string, unknown> | null;
	const common =
		typeof c === 'object' &&
		c !== null &&
		typeof c.get === 'function' &&
		typeof c.set === 'function' &&
		typeof c.del === 'function' &&
		typeof c.eval === 'function';
	if (common && typeof c.getDel === 'function') {
		// A node-redis cluster (v4 to v6 alike) has getSlotMaster, and a sendCommand that takes the key
		// to route by.
		const cluster = typeof c.getSlotMaster === 'function' && typeof c.sendCommand === 'function';
		return nodeRedis(
			client as NodeRedisClientLike,
			cluster ? (client as NodeRedisClusterSend) : undefined
		);
	}
	if (common && typeof c.getdel === 'function') return ioRedis(client as IoRedisClientLike);
	if (client === undefined || client === null) {
		throw misuse('ERR_INVALID_OPTION', `${where}: options.client is required`);
	}
	throw misuse(
		'ERR_INVALID_OPTION',
		`${where}: options.client must be an ioredis or node-redis client`
	);
}

/**
 * The options both Redis stores take, validated: the client wrapped, the key prefix and the clock.
 * `where` names the constructor in misuse messages.
 */
export function resolveRedisStoreOptions(
	where: string,
	options: { client: RedisClientLike; keyPrefix?: string; clock?: Clock }
): { redis: RedisCommands; keyPrefix: string; clock: Clock } {
	const { client, keyPrefix = 'sso:', clock = systemClock } = options ?? ({} as never);
	const redis = adaptRedisClient(where, client);
	if (typeof keyPrefix !== 'string') {
		throw misuse('ERR_INVALID_OPTION', `${where}: options.keyPrefix must be a string`);
	}
	if (typeof clock !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${where}: options.clock must be a function`);
	}
	return { redis, keyPrefix, clock };
}

function ioRedis(client: IoRedisClientLike): RedisCommands {
	return {
		get: (key) => text(() => client.get(key)),
		getDel: (key) => text(() => client.getdel(key)),
		async setPx(key, value, ttlMs, onlyIfAbsent) {
			const reply = await guard(() =>
				onlyIfAbsent
					? client.set(key, value, 'PX', ttlMs, 'NX')
					: client.set(key, value, 'PX', ttlMs)
			);
			return reply === 'OK';
		},
		async del(key) {
			await guard(() => client.del(key));
		},
		evalOnKey: (script, key, args) => guard(() => client.eval(script, 1, key, ...args))
	};
}

/** What a node-redis cluster adds that the stores use: a raw command routed by the key it names. */
interface NodeRedisClusterSend {
	sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
}

function nodeRedis(client: NodeRedisClientLike, cluster?: NodeRedisClusterSend): RedisCommands {
	// node-redis 4's cluster does not find the key in `eval`'s options and sends the script to a random
	// master, which answers MOVED until the redirections run out; every version's cluster routes
	// `sendCommand` by the key it is given.
	const evalOnKey: RedisCommands['evalOnKey'] = cluster
		? (script, key, args) =>
				guard(() => cluster.sendCommand(key, false, ['EVAL', script, '1', key, ...args]))
		: (script, key, args) =>
				guard(() => client.eval(script, { keys: [key], arguments: args }));
	return {
		get: (key) => text(() => client.get(key)),
		getDel: (key) => text(() => client.getDel(key)),
		async setPx(key, value, ttlMs, onlyIfAbsent) {
			// `{ PX, NX }` is deprecated in node-redis 5 and 6 but still accepted; it is the only spelling v4 knows.
			const reply = await guard(() =>
				client.set(key, value, onlyIfAbsent ? { PX: ttlMs, NX: true } : { PX: ttlMs })
			);
			return reply === 'OK';
		},
		async del(key) {
			await guard(() => client.del(key));
		},
		evalOnKey
	};
}

// Takes a thunk: some client versions throw synchronously (closed client) instead of rejecting.
async function guard(call: () => Promise<unknown>): Promise<unknown> {
	try {
		return await call();
	} catch (error) {
		const message = error instanceof Error ? error.message : '';
		throw new BackendFailure(message.startsWith('WRONGTYPE') ? 'corrupt' : 'unavailable', error);
	}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function text(call: () => Promise<unknown>): Promise<string | null> {
	const reply = await guard(call);
	if (reply === null || typeof reply === 'string') return reply;
	// A client configured to return buffers (node-redis type mapping, ioredis *Buffer commands).
	if (reply instanceof Uint8Array) {
		try {
			return utf8.decode(reply);
		} catch (error) {
			throw new BackendFailure('corrupt', error);
		}
	}
	throw new BackendFailure('corrupt', new Error(`unexpected ${typeof reply} reply`));
}
