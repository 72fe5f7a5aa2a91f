export { PostgresRefreshTokenFamilyStore, type PostgresRefreshTokenFamilyStoreOptions } from './postgres-refresh-token-family-store.js';
export { PostgresHandoffStateStore, type PostgresHandoffStateStoreOptions } from './postgres-handoff-state-store.js';
export { REFRESH_TOKEN_FAMILY_SCHEMA_SQL, HANDOFF_STATE_SCHEMA_SQL, refreshTokenFamilySchemaSql, handoffStateSchemaSql } from './postgres-schema.js';
export type { PostgresConnectionOptions, PostgresJsSqlLike, PgPoolLike } from './postgres-client.js';
