export { RedisRefreshTokenFamilyStore, type RedisRefreshTokenFamilyStoreOptions } from './redis-refresh-token-family-store.js';
export { RedisHandoffStateStore, type RedisHandoffStateStoreOptions } from './redis-handoff-state-store.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './redis-client.js';
