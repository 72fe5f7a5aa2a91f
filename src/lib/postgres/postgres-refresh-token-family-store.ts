import { systemClock, type Clock } from '../clock.js';
import { misuse } from '../errors.js';
import { BackendFailure } from '../stores/backend-failure.js';
import {
	acceptFamily,
	assertFamilyId,
	deepFreeze,
	parseFamily,
	serializeFamily
} from '../stores/refresh-token-family-codec.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult
} from '../stores/refresh-token-family-store.js';
import {
	adaptPostgresClient,
	describeFailure,
	type PostgresConnectionOptions,
	type SqlRunner
} from './postgres-client.js';
import {
	DEFAULT_REFRESH_TOKEN_FAMILY_TABLE,
	lockedDdl,
	parseTableName,
	refreshTokenFamilySchemaSql,
	type TableName
} from './postgres-schema.js';

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

const MAX_ATTEMPTS = 8;

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
	readonly #query: SqlRunner;
	readonly #table: TableName;
	readonly #clock: Clock;

	constructor(options: PostgresRefreshTokenFamilyStoreOptions) {
		const where = 'PostgresRefreshTokenFamilyStore';
		const {
			table = DEFAULT_REFRESH_TOKEN_FAMILY_TABLE,
			clock = systemClock,
			...connection
		} = options ?? ({} as never);
		this.#query = adaptPostgresClient(where, connection);
		this.#table = parseTableName(where, table);
		if (typeof clock !== 'function') {
			throw misuse('ERR_INVALID_OPTION', `${where}: options.clock must be a function`);
		}
		this.#clock = clock;
	}

	/**
	 * Creates the table and its indexes when missing. Idempotent, and safe when several instances call
	 * it at once (serialized by an advisory lock). Needs the right to create tables; without it, apply
	 * {@link refreshTokenFamilySchemaSql} in a migration instead.
	 */
	async ensureSchema(): Promise<void> {
		const ddl = refreshTokenFamilySchemaSql(
			this.#table.schema === null ? this.#table.name : `${this.#table.schema}.${this.#table.name}`
		);
		await this.#run('ensureSchema', lockedDdl(this.#table, ddl));
	}

	/** Deletes expired families and answers how many. */
	async sweepExpired(): Promise<number> {
		const rows = await this.#run(
			'sweepExpired',
			`WITH gone AS (DELETE FROM ${this.#table.quoted} WHERE expires_at_ms <= $1 RETURNING 1) SELECT count(*)::text FROM gone`,
			[String(this.#now())]
		);
		return Number(rows[0]?.[0] ?? 0);
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
		if (accepted.expiresAtMs <= this.#now()) {
			throw new RefreshTokenStorageError({
				reason: 'expired-at-issue',
				message: 'refresh token family expires at or before the time of issue'
			});
		}
		const rows = await this.#run(
			'registerFamily',
			`INSERT INTO ${this.#table.quoted} (family_id, subject, version, data, expires_at_ms)
			VALUES ($1, $2, 1, $3, $4) ON CONFLICT (family_id) DO NOTHING RETURNING 1`,
			[accepted.familyId, accepted.subject, serializeFamily(accepted), String(accepted.expiresAtMs)]
		);
		if (rows.length === 0) {
			throw new RefreshTokenStorageError({
				reason: 'duplicate-family',
				message: 'a refresh token family with this id already exists'
			});
		}
	}

	async updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult> {
		const where = 'PostgresRefreshTokenFamilyStore.updateFamily';
		assertFamilyId(where, familyId);
		if (typeof updater !== 'function') {
			throw misuse('ERR_INVALID_ARGUMENT', `${where}: updater must be a function`);
		}
		for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
			const record = await this.#read(familyId, 'updateFamily');
			if (record === null) return { outcome: 'not-found' };
			const next = updater(deepFreeze(record.family));
			if (next === null) return { outcome: 'aborted' };
			const accepted = acceptFamily(where, 'the family returned by the updater', next);
			if (accepted.familyId !== familyId) {
				throw misuse('ERR_INVALID_ARGUMENT', `${where}: the updater must not change familyId`);
			}
			const now = this.#now();
			if (accepted.expiresAtMs <= now) {
				throw new RefreshTokenStorageError({
					reason: 'expired-at-issue',
					message: 'the updated refresh token family expires at or before the time of the update'
				});
			}
			// `expires_at_ms > now` keeps a row that expired since the read from being brought back.
			const rows = await this.#run(
				'updateFamily',
				`UPDATE ${this.#table.quoted} SET subject = $3, data = $4, expires_at_ms = $5, version = version + 1
				WHERE family_id = $1 AND version = $2 AND expires_at_ms > $6 RETURNING 1`,
				[
					familyId,
					record.version,
					accepted.subject,
					serializeFamily(accepted),
					String(accepted.expiresAtMs),
					String(now)
				]
			);
			if (rows.length === 1) return { outcome: 'committed', family: accepted };
			if (attempt < MAX_ATTEMPTS) {
				await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
			}
		}
		throw new RefreshTokenStorageError({
			reason: 'conflict-exhausted',
			message: `refresh token family update lost ${MAX_ATTEMPTS} compare-and-set races in a row`
		});
	}

	#now(): number {
		return Math.floor(this.#clock());
	}

	async #read(
		familyId: string,
		operation: string
	): Promise<{ version: string; family: RefreshTokenFamily } | null> {
		const rows = await this.#run(
			operation,
			`SELECT version::text, data FROM ${this.#table.quoted} WHERE family_id = $1 AND expires_at_ms > $2`,
			[familyId, String(this.#now())]
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

	async #run(operation: string, text: string, params?: string[]): Promise<unknown[][]> {
		try {
			return await this.#query(text, params);
		} catch (error) {
			if (!(error instanceof BackendFailure)) throw error;
			throw new RefreshTokenStorageError({
				reason: 'unavailable',
				message: `PostgresRefreshTokenFamilyStore.${operation}: the database is unavailable${describeFailure(error.cause)}`,
				cause: error.cause
			});
		}
	}
}
