// sveltekit-sso/redis: the refresh-token family store and the handoff state store on Redis, for
// ioredis and node-redis alike.
export {
	RedisRefreshTokenFamilyStore,
	type RedisRefreshTokenFamilyStoreOptions
} from './redis-refresh-token-family-store.js';
export {
	RedisHandoffStateStore,
	type RedisHandoffStateStoreOptions
} from './redis-handoff-state-store.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './redis-client.js';
