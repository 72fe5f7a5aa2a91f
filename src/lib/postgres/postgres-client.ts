import { misuse } from '../errors.js';
import { BackendFailure } from '../stores/backend-failure.js';

/**
 * The part of a [postgres.js](https://github.com/porsager/postgres) `sql` instance the stores call.
 * Create it for fast failure, e.g. `postgres(url, { connect_timeout: 2 })`: the default waits 30 s for
 * a connection while the database is unreachable.
 */
export interface PostgresJsSqlLike {
	unsafe(query: string, parameters?: never[]): { values(): PromiseLike<unknown> };
}

/**
 * The part of a [pg](https://node-postgres.com) `Pool` (or `Client`) the stores call. Create it for fast
 * failure, e.g. `new Pool({ connectionTimeoutMillis: 2_000, query_timeout: 5_000 })` (the defaults wait
 * forever), and attach `pool.on('error', …)`: without a listener an idle connection dropped by the
 * server crashes the process.
 */
export interface PgPoolLike {
	query(config: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown }>;
}

/** How the Postgres stores reach the database: exactly one of `sql` (postgres.js) or `pool` (pg). */
export interface PostgresConnectionOptions {
	/** A postgres.js `sql` instance. */
	sql?: PostgresJsSqlLike;
	/** A pg `Pool` (or a connected `Client`). */
	pool?: PgPoolLike;
}

/** Runs one statement and answers its rows as arrays (column order of the statement). */
export type SqlRunner = (text: string, params?: Array<string | null>) => Promise<unknown[][]>;

// Rows are read positionally: immune to a postgres.js `transform` (e.g. camelCase columns) or
// anything else that renames columns on the way out.
export function adaptPostgresClient(where: string, options: PostgresConnectionOptions): SqlRunner {
	const { sql, pool } = options;
	if (sql !== undefined && pool !== undefined) {
		throw misuse('ERR_INVALID_OPTION', `${where}: pass options.sql or options.pool, not both`);
	}
	if (sql !== undefined) {
		if (typeof (sql as { unsafe?: unknown } | null)?.unsafe !== 'function') {
			throw misuse(
				'ERR_INVALID_OPTION',
				`${where}: options.sql must be a postgres.js sql instance`
			);
		}
		return (text, params = []) =>
			guard(async () => (await sql.unsafe(text, params as never[]).values()) as unknown[][]);
	}
	if (pool !== undefined) {
		if (typeof (pool as { query?: unknown } | null)?.query !== 'function') {
			throw misuse('ERR_INVALID_OPTION', `${where}: options.pool must be a pg Pool or Client`);
		}
		return (text, params = []) =>
			guard(
				async () =>
					(await pool.query({ text, values: params, rowMode: 'array' })).rows as unknown[][]
			);
	}
	throw misuse(
		'ERR_INVALID_OPTION',
		`${where}: options.sql (postgres.js) or options.pool (pg) is required`
	);
}

async function guard(run: () => Promise<unknown[][]>): Promise<unknown[][]> {
	let rows: unknown;
	try {
		rows = await run();
	} catch (error) {
		throw new BackendFailure('unavailable', error);
	}
	if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
		throw new BackendFailure('unavailable', new Error('the client did not answer rows'));
	}
	return rows as unknown[][];
}

/** A hint for the error message from the SQLSTATE of a failed statement (no values, no ids). */
export function describeFailure(cause: unknown): string {
	const code = (cause as { code?: unknown } | null)?.code;
	if (code === '42P01') return ' (table missing: call ensureSchema() or apply the schema SQL)';
	return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
}
