import { type Clock } from '../clock.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
import { type PostgresConnectionOptions } from './postgres-client.js';
/** Options of {@link PostgresHandoffStateStore}: `sql` (postgres.js) or `pool` (pg), plus: */
export interface PostgresHandoffStateStoreOptions extends PostgresConnectionOptions {
    /**
     * The table; lowercase identifier of at most 40 characters, optionally `schema.table`.
     * Default: `'sso_handoff_state'`.
     */
    table?: string;
    /** Time source in ms since the epoch; expiry is compared with it, not the database's `now()`. Default: `Date.now`. */
    clock?: Clock;
}
/**
 * {@link HandoffStateStore} on PostgreSQL (≥ 12), through postgres.js or pg.
 *
 * One row per entry (see {@link handoffStateSchemaSql}); create the table with
 * {@link PostgresHandoffStateStore.ensureSchema} or a migration. `getAndDelete` is
 * `DELETE … RETURNING`: of concurrent calls for one id exactly one gets the value; an expired row is
 * deleted too but not returned. Reads ignore expired rows; {@link PostgresHandoffStateStore.sweepExpired}
 * deletes them. State is stored as JSON text, so it must be JSON-serializable and comes back as plain data.
 *
 * Errors: an `AuthError` with code `store_unavailable` when the database cannot be reached or the
 * statement fails (fail closed), and with the same code and a message saying so when a stored row is
 * not JSON of an object (never returned). Messages contain neither ids nor state. Bad arguments throw
 * `TypeError` (`ERR_INVALID_ARGUMENT`).
 *
 * @throws {TypeError} with code `ERR_INVALID_OPTION` when neither or both of `sql` / `pool` are given,
 *   or `table` is not a valid identifier.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { PostgresHandoffStateStore } from 'sveltekit-sso/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2_000 });
 * pool.on('error', (error) => console.error('idle postgres connection failed', error.message));
 * const handoffState = new PostgresHandoffStateStore({ pool });
 * await handoffState.ensureSchema();
 * ```
 */
export declare class PostgresHandoffStateStore implements HandoffStateStore {
    #private;
    constructor(options: PostgresHandoffStateStoreOptions);
    /**
     * Creates the table and its index when missing. Idempotent, and safe when several instances call it
     * at once (serialized by an advisory lock). Needs the right to create tables; without it, apply
     * {@link handoffStateSchemaSql} in a migration instead.
     */
    ensureSchema(): Promise<void>;
    /** Deletes expired entries and answers how many. */
    sweepExpired(): Promise<number>;
    set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void>;
    getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined>;
    get(stateId: string): Promise<Record<string, unknown> | undefined>;
    delete(stateId: string): Promise<void>;
}
