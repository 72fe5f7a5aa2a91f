/**
 * The part of an [ioredis](https://github.com/redis/ioredis) client (`Redis` or `Cluster`) the stores
 * call. Create it for fast failure: `new Redis({ maxRetriesPerRequest: 1, enableOfflineQueue: false,
 * commandTimeout: 2_000 })` — with ioredis' defaults a command waits through 20 reconnection attempts
 * while Redis is down, and a sign-in hangs with it.
 */
export interface IoRedisClientLike {
    get(key: string): Promise<string | null>;
    getdel(key: string): Promise<string | null>;
    set(key: string, value: string, ...args: any[]): Promise<unknown>;
    del(key: string): Promise<unknown>;
    eval(script: string, numKeys: number, ...args: any[]): Promise<unknown>;
}
/**
 * The part of a [node-redis](https://github.com/redis/node-redis) v4, v5 or v6 client (`createClient`
 * or `createCluster`, connected) the stores call. Create it for fast failure: `createClient({
 * disableOfflineQueue: true, socket: { connectTimeout: 2_000 } })` — by default commands queue while
 * the connection is down and a sign-in waits for Redis to come back.
 */
export interface NodeRedisClientLike {
    get(key: string): Promise<unknown>;
    getDel(key: string): Promise<unknown>;
    set(key: string, value: string, options?: {
        PX?: number;
        NX?: boolean;
    }): Promise<unknown>;
    del(key: string): Promise<unknown>;
    eval(script: string, options: {
        keys: string[];
        arguments: string[];
    }): Promise<unknown>;
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
    /** EVAL of a script over exactly one key (Redis Cluster routes it by that key). */
    evalOnKey(script: string, key: string, args: string[]): Promise<unknown>;
}
/** Validates `client` and wraps it; `where` names the constructor in the misuse message. */
export declare function adaptRedisClient(where: string, client: unknown): RedisCommands;
