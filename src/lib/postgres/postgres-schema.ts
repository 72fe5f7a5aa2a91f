import { misuse } from '../errors.js';

/** Default table of {@link PostgresRefreshTokenFamilyStore}. */
export const DEFAULT_REFRESH_TOKEN_FAMILY_TABLE = 'sso_refresh_token_families';
/** Default table of {@link PostgresHandoffStateStore}. */
export const DEFAULT_HANDOFF_STATE_TABLE = 'sso_handoff_state';

// Unquoted-style lowercase identifiers, optionally schema-qualified. The table part is kept short
// enough that "<table>_expires_at_ms_idx" fits PostgreSQL's 63-byte limit: truncated index names
// could collide and `CREATE INDEX IF NOT EXISTS` would then silently skip one.
const TABLE = /^(?:([a-z_][a-z0-9_]{0,62})\.)?([a-z_][a-z0-9_]{0,39})$/;

/** A validated table name, quoted for SQL, and its unqualified part for naming indexes. */
export interface TableName {
	readonly quoted: string;
	readonly schema: string | null;
	readonly name: string;
}

export function parseTableName(where: string, table: unknown): TableName {
	const match = typeof table === 'string' ? TABLE.exec(table) : null;
	if (match === null) {
		throw misuse(
			'ERR_INVALID_OPTION',
			`${where}: options.table must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 40 characters), optionally prefixed by "schema."`
		);
	}
	const [, schema = null, name] = match;
	return { quoted: schema === null ? `"${name}"` : `"${schema}"."${name}"`, schema, name };
}

/**
 * The DDL of the refresh-token family table, for migrations: `CREATE TABLE IF NOT EXISTS` plus
 * indexes on expiry (for `sweepExpired`) and subject (to find a user's families, e.g. for
 * back-channel logout). The family itself is JSON in `data`; `version` is the compare-and-set token.
 *
 * @param table - Default `'sso_refresh_token_families'`; lowercase identifier, optionally `schema.table`.
 */
export function refreshTokenFamilySchemaSql(
	table: string = DEFAULT_REFRESH_TOKEN_FAMILY_TABLE
): string {
	const t = parseTableName('refreshTokenFamilySchemaSql', table);
	return `CREATE TABLE IF NOT EXISTS ${t.quoted} (
	family_id text PRIMARY KEY,
	subject text NOT NULL,
	version bigint NOT NULL,
	data text NOT NULL,
	expires_at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS "${t.name}_expires_at_ms_idx" ON ${t.quoted} (expires_at_ms);
CREATE INDEX IF NOT EXISTS "${t.name}_subject_idx" ON ${t.quoted} (subject);
`;
}

/**
 * The DDL of the handoff state table, for migrations: `CREATE TABLE IF NOT EXISTS` plus an index on
 * expiry (for `sweepExpired`). State is JSON text.
 *
 * @param table - Default `'sso_handoff_state'`; lowercase identifier, optionally `schema.table`.
 */
export function handoffStateSchemaSql(table: string = DEFAULT_HANDOFF_STATE_TABLE): string {
	const t = parseTableName('handoffStateSchemaSql', table);
	return `CREATE TABLE IF NOT EXISTS ${t.quoted} (
	state_id text PRIMARY KEY,
	state text NOT NULL,
	expires_at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS "${t.name}_expires_at_ms_idx" ON ${t.quoted} (expires_at_ms);
`;
}

/** {@link refreshTokenFamilySchemaSql} for the default table name. */
export const REFRESH_TOKEN_FAMILY_SCHEMA_SQL: string = refreshTokenFamilySchemaSql();

/** {@link handoffStateSchemaSql} for the default table name. */
export const HANDOFF_STATE_SCHEMA_SQL: string = handoffStateSchemaSql();

/**
 * `ddl` as one statement that holds a transaction-scoped advisory lock per table while it runs: two
 * instances booting at once would otherwise race inside `CREATE TABLE IF NOT EXISTS` and one would fail
 * with a unique violation on the catalog. One statement also means one connection, whatever the pool.
 */
export function lockedDdl(table: TableName, ddl: string): string {
	const lockKey = `sveltekit-sso:schema:${table.schema ?? ''}.${table.name}`;
	return `DO $sveltekit_sso$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('${lockKey}'));
	${ddl.trim().replace(/\n/g, '\n\t')}
END
$sveltekit_sso$`;
}
