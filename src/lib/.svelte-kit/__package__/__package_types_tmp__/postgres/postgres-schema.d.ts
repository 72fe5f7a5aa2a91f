/** Default table of {@link PostgresRefreshTokenFamilyStore}. */
export declare const DEFAULT_REFRESH_TOKEN_FAMILY_TABLE = "sso_refresh_token_families";
/** Default table of {@link PostgresHandoffStateStore}. */
export declare const DEFAULT_HANDOFF_STATE_TABLE = "sso_handoff_state";
/** A validated table name, quoted for SQL, and its unqualified part for naming indexes. */
export interface TableName {
    readonly quoted: string;
    readonly schema: string | null;
    readonly name: string;
}
export declare function parseTableName(where: string, table: unknown): TableName;
/**
 * The DDL of the refresh-token family table, for migrations: `CREATE TABLE IF NOT EXISTS` plus
 * indexes on expiry (for `sweepExpired`) and subject (to find a user's families, e.g. for
 * back-channel logout). The family itself is JSON in `data`; `version` is the compare-and-set token.
 *
 * @param table - Default `'sso_refresh_token_families'`; lowercase identifier, optionally `schema.table`.
 */
export declare function refreshTokenFamilySchemaSql(table?: string): string;
/**
 * The DDL of the handoff state table, for migrations: `CREATE TABLE IF NOT EXISTS` plus an index on
 * expiry (for `sweepExpired`). State is JSON text.
 *
 * @param table - Default `'sso_handoff_state'`; lowercase identifier, optionally `schema.table`.
 */
export declare function handoffStateSchemaSql(table?: string): string;
/** {@link refreshTokenFamilySchemaSql} for the default table name. */
export declare const REFRESH_TOKEN_FAMILY_SCHEMA_SQL: string;
/** {@link handoffStateSchemaSql} for the default table name. */
export declare const HANDOFF_STATE_SCHEMA_SQL: string;
/**
 * `ddl` as one statement that holds a transaction-scoped advisory lock per table while it runs: two
 * instances booting at once would otherwise race inside `CREATE TABLE IF NOT EXISTS` and one would fail
 * with a unique violation on the catalog. One statement also means one connection, whatever the pool.
 */
export declare function lockedDdl(table: TableName, ddl: string): string;
