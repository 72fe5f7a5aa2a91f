import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import { assertStateArguments, assertStateId } from '../stores/handoff-state-arguments.js';
import { parseState, serializeState } from '../stores/handoff-state-codec.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
import type { PostgresConnectionOptions } from './postgres-client.js';
import { DEFAULT_HANDOFF_STATE_TABLE, handoffStateSchemaSql } from './postgres-schema.js';
import { PostgresTable } from './postgres-table.js';

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
export class PostgresHandoffStateStore implements HandoffStateStore {
	readonly #pg: PostgresTable;
	#writes = 0;

	constructor(options: PostgresHandoffStateStoreOptions) {
		this.#pg = new PostgresTable(
			{
				where: 'PostgresHandoffStateStore',
				defaultTable: DEFAULT_HANDOFF_STATE_TABLE,
				schemaSql: handoffStateSchemaSql,
				unavailable: (message, cause) => new AuthError('store_unavailable', message, { cause })
			},
			options
		);
	}

	/**
	 * Creates the table and its index when missing. Idempotent, and safe when several instances call it
	 * at once (serialized by an advisory lock). Needs the right to create tables; without it, apply
	 * {@link handoffStateSchemaSql} in a migration instead.
	 */
	async ensureSchema(): Promise<void> {
		await this.#pg.ensureSchema();
	}

	/** Deletes expired entries and answers how many. */
	async sweepExpired(): Promise<number> {
		return this.#pg.sweepExpired();
	}

	async set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void> {
		assertStateArguments('PostgresHandoffStateStore.set', stateId, state, ttlSeconds);
		const text = serializeState('PostgresHandoffStateStore.set', state);
		const expiresAtMs = this.#pg.now() + Math.ceil(ttlSeconds * 1000);
		await this.#pg.run(
			'set',
			`INSERT INTO ${this.#pg.quoted} (state_id, state, expires_at_ms) VALUES ($1, $2, $3)
			ON CONFLICT (state_id) DO UPDATE SET state = EXCLUDED.state, expires_at_ms = EXCLUDED.expires_at_ms`,
			[stateId, text, String(expiresAtMs)]
		);
		// Minted-but-never-redeemed tokens (abandoned tabs, link scanners) would otherwise pile up until
		// the host remembers sweepExpired(): every 64th write removes a bounded batch of expired rows.
		if (++this.#writes % 64 === 0) {
			await this.#pg.run(
				'set',
				`DELETE FROM ${this.#pg.quoted} WHERE state_id IN (SELECT state_id FROM ${this.#pg.quoted} WHERE expires_at_ms <= $1 LIMIT 256)`,
				[String(this.#pg.now())]
			).catch(() => {});
		}
	}

	async getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('PostgresHandoffStateStore.getAndDelete', stateId);
		// Deletes an expired row as well (it is garbage either way) but only returns a live one.
		const rows = await this.#pg.run(
			'getAndDelete',
			`DELETE FROM ${this.#pg.quoted} WHERE state_id = $1 RETURNING state, (expires_at_ms > $2)::text`,
			[stateId, String(this.#pg.now())]
		);
		if (rows.length === 0) return undefined;
		const [text, live] = rows[0];
		const state = this.#open(text, 'getAndDelete');
		return live === 'true' ? state : undefined;
	}

	async get(stateId: string): Promise<Record<string, unknown> | undefined> {
		assertStateId('PostgresHandoffStateStore.get', stateId);
		const rows = await this.#pg.run(
			'get',
			`SELECT state FROM ${this.#pg.quoted} WHERE state_id = $1 AND expires_at_ms > $2`,
			[stateId, String(this.#pg.now())]
		);
		return rows.length === 0 ? undefined : this.#open(rows[0][0], 'get');
	}

	async delete(stateId: string): Promise<void> {
		assertStateId('PostgresHandoffStateStore.delete', stateId);
		await this.#pg.run('delete', `DELETE FROM ${this.#pg.quoted} WHERE state_id = $1`, [stateId]);
	}

	#open(text: unknown, operation: string): Record<string, unknown> {
		const state = parseState(text);
		if (state === null) {
			throw new AuthError(
				'store_unavailable',
				`PostgresHandoffStateStore.${operation}: the stored handoff state is corrupt`
			);
		}
		return state;
	}
}
