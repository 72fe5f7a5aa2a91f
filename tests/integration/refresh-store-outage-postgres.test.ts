import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, untilTime } from '../support/eventually.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, startOidcStack, tokenCalls, whoami, type OidcStack } from '../support/oidc-stack.js';
import { databaseUrlVia, postgresConnection } from '../support/services.js';

// R6 over HTTP with PostgreSQL: the app reaches the database through a loopback TCP proxy of this
// test's own, in a table of its own, and the test cuts the proxy (every connection dropped, new ones
// refused) and restores it — the database itself keeps its rows, unlike a Redis without persistence.
const TTL_S = 2;
const table = `sso_outage_${process.pid}`;
let proxy: TcpProxy;
let stack: OidcStack;
const database = postgresConnection();
const sql = postgres({ ...database, max: 1, onnotice: () => {} });

beforeAll(async () => {
	proxy = await startTcpProxy(database.port, database.host);
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S },
		env: {
			SSO_FAMILY_STORE: 'postgres',
			SSO_DATABASE_URL: databaseUrlVia(proxy.port),
			SSO_PG_TABLE: table,
			SSO_SESSION_CHECK_INTERVAL_MS: '0'
		}
	});
});
afterAll(async () => {
	await stack?.stop();
	await proxy?.cut();
	await sql.unsafe(`drop table if exists ${table}`);
	await sql.end();
});

describe('the PostgreSQL family store becomes unreachable (R6)', () => {
	it('fails closed with no token request and no corrupt row, then refreshes once when the database is back, without a restart', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'pavel' });
		const cookie = sessionCookieHeader(stack, jar);
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(true);
		const familyId = (await openSession(cookie))!.family!.id;

		await proxy.cut();
		await untilTime((await openSession(cookie))!.tokens!.expiresAt);
		stack.idp.resetCounters();
		const during = await whoami(stack, cookie);
		expect(during.status).toBe(200);
		expect(during.body.isAuthenticated).toBe(false);
		expect(during.response.headers.getSetCookie()).toEqual([]);
		expect(tokenCalls(stack)).toBe(0);
		// The row is as it was: generation 0, no lease left behind, readable.
		const [row] = await sql.unsafe(`select data from ${table} where family_id = $1`, [familyId]);
		expect(JSON.parse(row.data as string)).toMatchObject({ generation: 0, lease: null, revokedAtMs: null });

		await proxy.open();
		// The app's pool reconnects by itself; until it has, each answer is another fail-closed one.
		let after = await whoami(stack, cookie);
		await until(async () => {
			if (after.body.isAuthenticated) return true;
			expect(after.response.headers.getSetCookie()).toEqual([]);
			expect(tokenCalls(stack)).toBe(0);
			after = await whoami(stack, cookie);
			return false;
		}, 'the app to reach the database again', { timeoutMs: 30_000, intervalMs: 100 });
		expect(after.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		expect((await openSession(mergeCookies(cookie, after.response)))?.family?.generation).toBe(1);
		expect(stack.app.output()).not.toContain((await openSession(cookie))!.tokens!.refreshToken!);
	});
});
