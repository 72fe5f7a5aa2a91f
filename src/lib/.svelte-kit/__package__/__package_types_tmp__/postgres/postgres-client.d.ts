/**
 * The part of a [postgres.js](https://github.com/porsager/postgres) `sql` instance the stores call.
 * Create it for fast failure, e.g. `postgres(url, { connect_timeout: 2 })`: the default waits 30 s for
 * a connection while the database is unreachable.
 */
export interface PostgresJsSqlLike {
    unsafe(query: string, parameters?: never[]): {
        values(): PromiseLike<unknown>;
    };
}
/**
 * The part of a [pg](https://node-postgres.com) `Pool` (or `Client`) the stores call. Create it for fast
 * failure, e.g. `new Pool({ connectionTimeoutMillis: 2_000, query_timeout: 5_000 })` (the defaults wait
 * forever), and attach `pool.on('error', …)`: without a listener an idle connection dropped by the
 * server crashes the process.
 */
export interface PgPoolLike {
    query(config: {
        text: string;
        values: unknown[];
        rowMode: 'array';
    }): Promise<{
        rows: unknown;
    }>;
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
export declare function adaptPostgresClient(where: string, options: PostgresConnectionOptions): SqlRunner;
/** A hint for the error message from the SQLSTATE of a failed statement (no values, no ids). */
export declare function describeFailure(cause: unknown): string;
