import { type Clock } from '../clock.js';
import { type RefreshTokenFamily, type RefreshTokenFamilyStore, type RefreshTokenFamilyUpdateResult } from '../stores/refresh-token-family-store.js';
import { type PostgresConnectionOptions } from './postgres-client.js';
/** Options of {@link PostgresRefreshTokenFamilyStore}: `sql` (postgres.js) or `pool` (pg), plus: */
export interface PostgresRefreshTokenFamilyStoreOptions extends PostgresConnectionOptions {
    /**
     * The table; lowercase identifier of at most 40 characters, optionally `schema.table`.
     * Default: `'sso_refresh_token_families'`.
     */
    table?: string;
    /**
     * Time source in ms since the epoch. Expiry is compared with this clock (passed as a parameter), not
     * the database's `now()`, so that every component of the SDK agrees on time. Default: `Date.now`.
     */
    clock?: Clock;
}
/**
 * {@link RefreshTokenFamilyStore} on PostgreSQL (≥ 12), through postgres.js or pg.
 *
 * One row per family (see {@link refreshTokenFamilySchemaSql}); create the table with
 * {@link PostgresRefreshTokenFamilyStore.ensureSchema} at start-up or with the schema SQL in a migration.
 *
 * - `registerFamily` is `INSERT … ON CONFLICT DO NOTHING`: of concurrent registrations of one id exactly
 *   one inserts; the others, and any registration while the row exists (revoked, or expired but not yet
 *   removed by `sweepExpired`), throw `duplicate-family`. `expiresAtMs <= now` throws `expired-at-issue`.
 * - `updateFamily` reads the row and its `version`, runs the updater on a deep-frozen copy, and commits
 *   with `UPDATE … WHERE family_id = $1 AND version = $2`; when that matches no row it re-reads and
 *   re-runs the updater, with jittered backoff, at most 8 times, then throws `conflict-exhausted`.
 * - Reads ignore expired rows; {@link PostgresRefreshTokenFamilyStore.sweepExpired} deletes them (run it
 *   periodically, e.g. hourly).
 * - A row whose `data` is not the family stored under its id throws `corrupt-data`.
 * - Any database error (connection refused or lost, timeout, missing table) throws `unavailable`; the
 *   message names the SQLSTATE but no ids or payloads.
 *
 * @throws {TypeError} with code `ERR_INVALID_OPTION` when neither or both of `sql` / `pool` are given,
 *   or `table` is not a valid identifier.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * import { PostgresRefreshTokenFamilyStore } from 'sveltekit-sso/postgres';
 *
 * const sql = postgres(process.env.DATABASE_URL, { connect_timeout: 2 });
 * const store = new PostgresRefreshTokenFamilyStore({ sql });
 * await store.ensureSchema();
 * ```
 */
export declare class PostgresRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
    #private;
    readonly kind = "postgres";
    constructor(options: PostgresRefreshTokenFamilyStoreOptions);
    /**
     * Creates the table and its indexes when missing. Idempotent, and safe when several instances call
     * it at once (serialized by an advisory lock). Needs the right to create tables; without it, apply
     * {@link refreshTokenFamilySchemaSql} in a migration instead.
     */
    ensureSchema(): Promise<void>;
    /** Deletes expired families and answers how many. */
    sweepExpired(): Promise<number>;
    findFamily(familyId: string): Promise<RefreshTokenFamily | null>;
    registerFamily(family: RefreshTokenFamily): Promise<void>;
    updateFamily(familyId: string, updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null): Promise<RefreshTokenFamilyUpdateResult>;
}
