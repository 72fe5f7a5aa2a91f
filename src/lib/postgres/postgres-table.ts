import { systemClock, type Clock } from '../clock.js';
import { misuse } from '../errors.js';
import { mapBackendFailure } from '../stores/backend-failure.js';
import {
	adaptPostgresClient,
	describeFailure,
	type PostgresConnectionOptions,
	type SqlRunner
} from './postgres-client.js';
import { lockedDdl, parseTableName, type TableName } from './postgres-schema.js';

// The plumbing every Postgres store shares: its options, the one table it owns, the clock expiry is
// compared with, and how a failed statement becomes that store's own "unavailable" error.

/** The options every Postgres store takes besides its own. */
export interface PostgresTableOptions extends PostgresConnectionOptions {
	table?: string;
	clock?: Clock;
}

export interface PostgresTableSpec {
	/** The store's class name, for misuse and error messages. */
	where: string;
	defaultTable: string;
	/** The DDL of the table, given its (possibly schema-qualified) name. */
	schemaSql: (table: string) => string;
	/** The store's error for a statement that failed; `message` names neither ids nor values. */
	unavailable: (message: string, cause: unknown) => Error;
}

export class PostgresTable {
	/** The table name, quoted for SQL. */
	readonly quoted: string;
	readonly #table: TableName;
	readonly #query: SqlRunner;
	readonly #clock: Clock;
	readonly #spec: PostgresTableSpec;

	/** @throws {TypeError} `ERR_INVALID_OPTION`, naming `spec.where`, for a bad connection, table or clock. */
	constructor(spec: PostgresTableSpec, options: PostgresTableOptions) {
		const { where } = spec;
		const {
			table = spec.defaultTable,
			clock = systemClock,
			...connection
		} = options ?? ({} as never);
		this.#query = adaptPostgresClient(where, connection);
		this.#table = parseTableName(where, table);
		if (typeof clock !== 'function') {
			throw misuse('ERR_INVALID_OPTION', `${where}: options.clock must be a function`);
		}
		this.#clock = clock;
		this.#spec = spec;
		this.quoted = this.#table.quoted;
	}

	/** Whole milliseconds: expiry lives in bigint columns. */
	now(): number {
		return Math.floor(this.#clock());
	}

	async ensureSchema(): Promise<void> {
		const { schema, name } = this.#table;
		const ddl = this.#spec.schemaSql(schema === null ? name : `${schema}.${name}`);
		await this.run('ensureSchema', lockedDdl(this.#table, ddl));
	}

	async sweepExpired(): Promise<number> {
		const rows = await this.run(
			'sweepExpired',
			`WITH gone AS (DELETE FROM ${this.quoted} WHERE expires_at_ms <= $1 RETURNING 1) SELECT count(*)::text FROM gone`,
			[String(this.now())]
		);
		return Number(rows[0]?.[0] ?? 0);
	}

	/** Runs one statement; a database failure becomes the store's `unavailable` error. */
	run(operation: string, text: string, params?: string[]): Promise<unknown[][]> {
		return mapBackendFailure(
			() => this.#query(text, params),
			(failure) =>
				this.#spec.unavailable(
					`${this.#spec.where}.${operation}: the database is unavailable${describeFailure(failure.cause)}`,
					failure.cause
				)
		);
	}
}
