import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	HANDOFF_STATE_SCHEMA_SQL,
	PostgresHandoffStateStore,
	PostgresRefreshTokenFamilyStore,
	REFRESH_TOKEN_FAMILY_SCHEMA_SQL,
	handoffStateSchemaSql,
	refreshTokenFamilySchemaSql
} from '../../src/lib/postgres/index.js';
import type { RefreshTokenFamily } from '../../src/lib/stores/refresh-token-family-store.js';
import { postgresConnection } from '../support/services.js';
import { runStoreSuites, sampleFamily } from './store-suites.js';

const connection = postgresConnection();
const sql = postgres({ ...connection, max: 10, onnotice: () => {} });
const pool = new pg.Pool({ ...connection, max: 10 });
pool.on('error', () => {});

// Tables unique to this run, dropped afterwards.
const run = crypto.randomUUID().replace(/-/g, '').slice(0, 12);
const familyTable = `sso_test_${run}_rtf`;
const stateTable = `sso_test_${run}_handoff`;
const created = new Set<string>([familyTable, stateTable]);

beforeAll(async () => {
	// Both clients at once, several times: ensureSchema must survive racing itself.
	await Promise.all(
		[sql, pool].flatMap((client, i) =>
			Array.from({ length: 3 }, () => [
				new PostgresRefreshTokenFamilyStore({
					...(i === 0 ? { sql } : { pool }),
					table: familyTable
				}).ensureSchema(),
				new PostgresHandoffStateStore({
					...(i === 0 ? { sql } : { pool }),
					table: stateTable
				}).ensureSchema()
			]).flat()
		)
	);
});

afterAll(async () => {
	for (const table of created)
		await sql.unsafe(`DROP TABLE IF EXISTS ${table.includes('.') ? table : `"${table}"`}`);
	await sql.end();
	await pool.end();
});

const clients = [
	['postgres.js', { sql }],
	['pg', { pool }]
] as const;

for (const [clientName, client] of clients) {
	runStoreSuites(
		`Postgres (${clientName})`,
		{
			families: (clock) => new PostgresRefreshTokenFamilyStore({ ...client, table: familyTable, ...(clock ? { clock } : {}) }),
			handoffStates: (clock) => new PostgresHandoffStateStore({ ...client, table: stateTable, ...(clock ? { clock } : {}) }),
			corruptFamily: async (familyId) => void (await sql.unsafe(`UPDATE "${familyTable}" SET data = '{garbage' WHERE family_id = $1`, [familyId])),
			corruptHandoffState: async (stateId) =>
				void (await sql.unsafe(`INSERT INTO "${stateTable}" (state_id, state, expires_at_ms) VALUES ($1, '{garbage', $2)`, [stateId, String(Date.now() + 60_000)]))
		},
		{ realTime: 'none' }
	);
}

const family = (now: number, overrides: Partial<RefreshTokenFamily> = {}) => sampleFamily(now, overrides, 1_000);

const rowCount = async (table: string, column: string, id: string) =>
	Number(
		(await sql.unsafe(`SELECT count(*)::int AS n FROM "${table}" WHERE ${column} = $1`, [id]))[0].n
	);

describe('PostgresRefreshTokenFamilyStore', () => {
	it('is of kind postgres', () => {
		expect(new PostgresRefreshTokenFamilyStore({ sql }).kind).toBe('postgres');
	});

	it('ignores expired rows on read, counts them as duplicates until swept, and sweeps only expired rows', async () => {
		let now = Date.now();
		const store = new PostgresRefreshTokenFamilyStore({
			pool,
			table: familyTable,
			clock: () => now
		});
		const expiring = family(now);
		const lasting = family(now, { expiresAtMs: now + 3_600_000 });
		await store.registerFamily(expiring);
		await store.registerFamily(lasting);
		now += 1_000;
		expect(await store.findFamily(expiring.familyId)).toBeNull();
		expect(await rowCount(familyTable, 'family_id', expiring.familyId)).toBe(1);
		await expect(
			store.registerFamily({ ...expiring, expiresAtMs: now + 1_000 })
		).rejects.toMatchObject({
			reason: 'duplicate-family'
		});
		expect(await store.sweepExpired()).toBeGreaterThanOrEqual(1);
		expect(await rowCount(familyTable, 'family_id', expiring.familyId)).toBe(0);
		expect(await store.findFamily(lasting.familyId)).toEqual(lasting);
		await store.registerFamily({ ...expiring, expiresAtMs: now + 1_000 });
	});

	it('bumps the version column on every commit and keeps subject and expiry in their columns', async () => {
		const store = new PostgresRefreshTokenFamilyStore({ sql, table: familyTable });
		const f = family(Date.now(), { expiresAtMs: Date.now() + 60_000 });
		await store.registerFamily(f);
		await store.updateFamily(f.familyId, (c) => ({
			...c,
			generation: 1,
			expiresAtMs: c.expiresAtMs + 5
		}));
		const [row] = await sql.unsafe(
			`SELECT version::int AS version, subject, expires_at_ms::text AS expires FROM "${familyTable}" WHERE family_id = $1`,
			[f.familyId]
		);
		expect(row).toEqual({ version: 2, subject: 'user-1', expires: String(f.expiresAtMs + 5) });
	});

	it('re-reads and re-runs the updater when the version moved between read and write', async () => {
		// A pool that lets a concurrent writer commit just before the store's first compare-and-set.
		let interfered = false;
		const racingPool = {
			async query(config: { text: string; values: unknown[]; rowMode: 'array' }) {
				if (!interfered && config.text.trimStart().startsWith('UPDATE')) {
					interfered = true;
					const [id] = config.values as string[];
					const [{ data }] = await sql.unsafe(
						`SELECT data FROM "${familyTable}" WHERE family_id = $1`,
						[id]
					);
					await sql.unsafe(
						`UPDATE "${familyTable}" SET version = version + 1, data = $2 WHERE family_id = $1`,
						[id, JSON.stringify({ ...JSON.parse(data), payload: 'concurrent' })]
					);
				}
				return pool.query(config);
			}
		};
		const store = new PostgresRefreshTokenFamilyStore({ pool: racingPool, table: familyTable });
		const f = family(Date.now(), { expiresAtMs: Date.now() + 60_000 });
		await store.registerFamily(f);
		let calls = 0;
		const result = await store.updateFamily(f.familyId, (current) => {
			calls++;
			return { ...current, payload: `${current.payload}+mine` };
		});
		expect(calls).toBe(2);
		expect(result).toMatchObject({ outcome: 'committed', family: { payload: 'concurrent+mine' } });
		expect(
			await new PostgresRefreshTokenFamilyStore({ sql, table: familyTable }).findFamily(f.familyId)
		).toMatchObject({
			payload: 'concurrent+mine'
		});
	});

	it('reports data filed under another id as corrupt-data', async () => {
		const store = new PostgresRefreshTokenFamilyStore({ sql, table: familyTable });
		const f = family(Date.now(), { expiresAtMs: Date.now() + 60_000 });
		await store.registerFamily(f);
		await sql.unsafe(`UPDATE "${familyTable}" SET data = $2 WHERE family_id = $1`, [
			f.familyId,
			JSON.stringify({ ...f, familyId: 'another' })
		]);
		await expect(store.findFamily(f.familyId)).rejects.toMatchObject({ reason: 'corrupt-data' });
	});

	it('answers unavailable with a hint, not a hang, when the table is missing', async () => {
		const store = new PostgresRefreshTokenFamilyStore({ sql, table: `sso_test_${run}_missing` });
		await expect(store.findFamily('x')).rejects.toMatchObject({
			reason: 'unavailable',
			message: expect.stringMatching(/ensureSchema/)
		});
	});

	it('creates a schema-qualified table, idempotently', async () => {
		const table = `public.sso_test_${run}_qualified`;
		created.add(table);
		const store = new PostgresRefreshTokenFamilyStore({ pool, table });
		await store.ensureSchema();
		await store.ensureSchema();
		const f = family(Date.now(), { expiresAtMs: Date.now() + 60_000 });
		await store.registerFamily(f);
		expect(await store.findFamily(f.familyId)).toEqual(f);
	});

	it('survives ten instances creating a fresh schema at the same moment', async () => {
		const table = `sso_test_${run}_race`;
		created.add(table);
		const results = await Promise.allSettled(
			Array.from({ length: 10 }, (_, i) =>
				new PostgresRefreshTokenFamilyStore({
					...(i % 2 === 0 ? { sql } : { pool }),
					table
				}).ensureSchema()
			)
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
	});

	it('names the option it rejects', () => {
		const attempts: Array<[unknown, string | RegExp]> = [
			[
				{},
				'PostgresRefreshTokenFamilyStore: options.sql (postgres.js) or options.pool (pg) is required'
			],
			[
				{ sql, pool },
				'PostgresRefreshTokenFamilyStore: pass options.sql or options.pool, not both'
			],
			[{ sql: {} }, /options\.sql must be a postgres\.js sql instance/],
			[{ pool: {} }, /options\.pool must be a pg Pool or Client/],
			[{ sql, table: 'bad-name' }, /options\.table must be a lowercase SQL identifier/],
			[{ sql, table: 'x"; DROP TABLE users; --' }, /options\.table/],
			[{ sql, table: 'Upper' }, /options\.table/],
			[{ sql, table: 'a'.repeat(41) }, /options\.table/]
		];
		for (const [options, message] of attempts) {
			expect(() => new PostgresRefreshTokenFamilyStore(options as never)).toThrow(message);
		}
	});

	it('ships its schema as SQL for migrations', () => {
		expect(REFRESH_TOKEN_FAMILY_SCHEMA_SQL).toContain(
			'CREATE TABLE IF NOT EXISTS "sso_refresh_token_families"'
		);
		expect(refreshTokenFamilySchemaSql('app.families')).toContain('"app"."families"');
		expect(() => refreshTokenFamilySchemaSql('no way')).toThrow(TypeError);
	});
});

describe('PostgresHandoffStateStore', () => {
	it('deletes an expired row on getAndDelete without returning it, and sweeps the rest', async () => {
		let now = Date.now();
		const store = new PostgresHandoffStateStore({ sql, table: stateTable, clock: () => now });
		await store.set('expired-a', { a: 1 }, 1);
		await store.set('expired-b', { b: 1 }, 1);
		await store.set('live', { c: 1 }, 600);
		now += 1_000;
		expect(await store.getAndDelete('expired-a')).toBeUndefined();
		expect(await rowCount(stateTable, 'state_id', 'expired-a')).toBe(0);
		expect(await store.get('expired-b')).toBeUndefined();
		expect(await rowCount(stateTable, 'state_id', 'expired-b')).toBe(1);
		expect(await store.sweepExpired()).toBeGreaterThanOrEqual(1);
		expect(await rowCount(stateTable, 'state_id', 'expired-b')).toBe(0);
		expect(await store.getAndDelete('live')).toEqual({ c: 1 });
	});

	it('replaces the state when an id is set again', async () => {
		const store = new PostgresHandoffStateStore({ pool, table: stateTable });
		await store.set('again', { v: 1 }, 60);
		await store.set('again', { v: 2 }, 60);
		expect(await store.getAndDelete('again')).toEqual({ v: 2 });
	});

	it('says corrupt for a row that is not JSON of an object', async () => {
		const store = new PostgresHandoffStateStore({ pool, table: stateTable });
		await sql.unsafe(
			`INSERT INTO "${stateTable}" (state_id, state, expires_at_ms) VALUES ('array', '[1]', $1)`,
			[String(Date.now() + 60_000)]
		);
		await expect(store.get('array')).rejects.toMatchObject({
			code: 'store_unavailable',
			message: expect.stringMatching(/corrupt/)
		});
		await expect(store.getAndDelete('array')).rejects.toThrow(/corrupt/);
	});

	it('answers store_unavailable when the table is missing', async () => {
		const store = new PostgresHandoffStateStore({ pool, table: `sso_test_${run}_missing` });
		await expect(store.getAndDelete('x')).rejects.toMatchObject({ code: 'store_unavailable' });
	});

	it('ships its schema as SQL for migrations', () => {
		expect(HANDOFF_STATE_SCHEMA_SQL).toContain('CREATE TABLE IF NOT EXISTS "sso_handoff_state"');
		expect(handoffStateSchemaSql('x')).toContain('"x"');
	});
});
