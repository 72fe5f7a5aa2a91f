// The database becomes unreachable mid-run. A TCP proxy on loopback stands between the clients and
// PostgreSQL: closing it drops every connection and refuses new ones, as a dead server or a network
// partition would, without touching the shared PostgreSQL.
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	PostgresHandoffStateStore,
	PostgresRefreshTokenFamilyStore
} from '../../src/lib/postgres/index.js';
import type { RefreshTokenFamily } from '../../src/lib/stores/refresh-token-family-store.js';
import { postgresConnection } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { failsFast as failsFastShared, familyWith } from '../support/store-faults.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const SECRET = `SECRET-PAYLOAD-${crypto.randomUUID()}`;
const run = crypto.randomUUID().replace(/-/g, '').slice(0, 12);
const familyTable = `sso_fault_${run}_rtf`;
const stateTable = `sso_fault_${run}_handoff`;
const database = postgresConnection();
const direct = postgres({ ...database, onnotice: () => {} });

let proxy: TcpProxy;

let pool: pg.Pool;
let sql: postgres.Sql;

beforeAll(async () => {
	await new PostgresRefreshTokenFamilyStore({ sql: direct, table: familyTable }).ensureSchema();
	await new PostgresHandoffStateStore({ sql: direct, table: stateTable }).ensureSchema();
	proxy = await startTcpProxy(database.port, database.host);
	const connection = { ...database, host: '127.0.0.1', port: proxy.port };
	pool = new pg.Pool({ ...connection, max: 4, connectionTimeoutMillis: 1_000 });
	pool.on('error', () => {});
	sql = postgres({ ...connection, max: 4, connect_timeout: 1, onnotice: () => {} });
});

afterAll(async () => {
	void proxy.cut();
	await pool?.end().catch(() => {});
	await sql?.end({ timeout: 1 }).catch(() => {});
	await direct.unsafe(`DROP TABLE IF EXISTS "${familyTable}", "${stateTable}"`);
	await direct.end();
});

const family = () => familyWith(SECRET);
const failsFast = (operation: () => Promise<unknown>, secrets: string[], withinMs = 2_000) =>
	failsFastShared(operation, [SECRET, ...secrets], withinMs);

describe.each([
	['postgres.js', () => ({ sql })],
	['pg', () => ({ pool })]
] as const)('Postgres stores over %s when the database becomes unreachable', (_name, client) => {
	it('fail fast with unavailable, keep committed data intact and recover without being recreated', async () => {
		const families = new PostgresRefreshTokenFamilyStore({ ...client(), table: familyTable });
		const handoff = new PostgresHandoffStateStore({ ...client(), table: stateTable });
		const f = family();
		const stateId = crypto.randomUUID();
		// The previous test cut and reopened the proxy: start once this client reaches the database.
		await eventually(() => families.findFamily(f.familyId));
		await families.registerFamily(f);
		await handoff.set(stateId, { returnTo: `/${SECRET}` }, 600);

		const midRun = await failsFast(
			() =>
				families.updateFamily(f.familyId, (current) => {
					void proxy.cut();
					return { ...current, generation: 1, payload: `${SECRET}-generation-1` };
				}),
			[f.familyId]
		);
		expect(midRun).toMatchObject({ name: 'RefreshTokenStorageError', reason: 'unavailable' });

		const ids = [f.familyId, stateId];
		for (const operation of [
			() => families.findFamily(f.familyId),
			() => families.registerFamily(family()),
			() => families.updateFamily(f.familyId, (current) => current)
		]) {
			expect(await failsFast(operation, ids)).toMatchObject({ reason: 'unavailable' });
		}
		for (const operation of [
			() => handoff.set(crypto.randomUUID(), { secret: SECRET }, 60),
			() => handoff.get(stateId),
			() => handoff.getAndDelete(stateId),
			() => handoff.delete(stateId)
		]) {
			expect(await failsFast(operation, ids)).toMatchObject({
				name: 'AuthError',
				code: 'store_unavailable'
			});
		}

		await proxy.open();
		// The same store objects, once the client has reconnected by itself.
		const recovered: RefreshTokenFamily | null = await eventually(() => families.findFamily(f.familyId));
		expect(recovered).toEqual(f);
		const updated = await families.updateFamily(f.familyId, (current) => ({
			...current,
			generation: 1
		}));
		expect(updated).toMatchObject({ outcome: 'committed', family: { generation: 1 } });
		expect(await handoff.getAndDelete(stateId)).toEqual({ returnTo: `/${SECRET}` });
	});
});
