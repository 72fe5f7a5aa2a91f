import type { Clock } from '../clock.js';
import { casUpdate, duplicateFamily, expiredAtIssue } from '../stores/family-cas.js';
import {
	acceptFamily,
	assertFamilyId,
	parseFamily,
	serializeFamily
} from '../stores/refresh-token-family-codec.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult
} from '../stores/refresh-token-family-store.js';
import type { PostgresConnectionOptions } from './postgres-client.js';
import {
	DEFAULT_REFRESH_TOKEN_FAMILY_TABLE,
	refreshTokenFamilySchemaSql
} from './postgres-schema.js';
import { PostgresTable } from './postgres-table.js';

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
export class PostgresRefreshTokenFamilyStore implements RefreshTokenFamilyStore {
	readonly kind = 'postgres';
	readonly #pg: PostgresTable;

	constructor(options: PostgresRefreshTokenFamilyStoreOptions) {
		this.#pg = new PostgresTable(
			{
				where: 'PostgresRefreshTokenFamilyStore',
				defaultTable: DEFAULT_REFRESH_TOKEN_FAMILY_TABLE,
				schemaSql: refreshTokenFamilySchemaSql,
				unavailable: (message, cause) =>
					new RefreshTokenStorageError({ reason: 'unavailable', message, cause })
			},
			options
		);
	}

	/**
	 * Creates the table and its indexes when missing. Idempotent, and safe when several instances call
	 * it at once (serialized by an advisory lock). Needs the right to create tables; without it, apply
	 * {@link refreshTokenFamilySchemaSql} in a migration instead.
	 */
	async ensureSchema(): Promise<void> {
		await this.#pg.ensureSchema();
	}

	/** Deletes expired families and answers how many. */
	async sweepExpired(): Promise<number> {
		return this.#pg.sweepExpired();
	}

	async findFamily(familyId: string): Promise<RefreshTokenFamily | null> {
		assertFamilyId('PostgresRefreshTokenFamilyStore.findFamily', familyId);
		return (await this.#read(familyId, 'findFamily'))?.family ?? null;
	}

	async registerFamily(family: RefreshTokenFamily): Promise<void> {
		const accepted = acceptFamily(
			'PostgresRefreshTokenFamilyStore.registerFamily',
			'family',
			family
		);
		if (accepted.expiresAtMs <= this.#pg.now()) throw expiredAtIssue('issue');
		const rows = await this.#pg.run(
			'registerFamily',
			`INSERT INTO ${this.#pg.quoted} (family_id, subject, version, data, expires_at_ms)
			VALUES ($1, $2, 1, $3, $4) ON CONFLICT (family_id) DO NOTHING RETURNING 1`,
			[accepted.familyId, accepted.subject, serializeFamily(accepted), String(accepted.expiresAtMs)]
		);
		if (rows.length === 0) throw duplicateFamily();
	}

	async updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult> {
		return casUpdate({
			where: 'PostgresRefreshTokenFamilyStore.updateFamily',
			familyId,
			updater,
			now: () => this.#pg.now(),
			read: () => this.#read(familyId, 'updateFamily'),
			commit: async (version, next, now) => {
				// `expires_at_ms > now` keeps a row that expired since the read from being brought back.
				const rows = await this.#pg.run(
					'updateFamily',
					`UPDATE ${this.#pg.quoted} SET subject = $3, data = $4, expires_at_ms = $5, version = version + 1
					WHERE family_id = $1 AND version = $2 AND expires_at_ms > $6 RETURNING 1`,
					[
						familyId,
						version,
						next.subject,
						serializeFamily(next),
						String(next.expiresAtMs),
						String(now)
					]
				);
				return rows.length === 1;
			}
		});
	}

	async #read(
		familyId: string,
		operation: string
	): Promise<{ version: string; family: RefreshTokenFamily } | null> {
		const rows = await this.#pg.run(
			operation,
			`SELECT version::text, data FROM ${this.#pg.quoted} WHERE family_id = $1 AND expires_at_ms > $2`,
			[familyId, String(this.#pg.now())]
		);
		if (rows.length === 0) return null;
		const [version, data] = rows[0];
		const family = parseFamily(data, familyId);
		if (family === null || typeof version !== 'string') {
			throw new RefreshTokenStorageError({
				reason: 'corrupt-data',
				message: `PostgresRefreshTokenFamilyStore.${operation}: the stored refresh token family is corrupt`
			});
		}
		return { version, family };
	}
}
