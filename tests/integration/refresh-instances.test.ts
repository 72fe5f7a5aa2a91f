import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server.js';
import { mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, sleep, startOidcStack, tokenCalls, type OidcStack } from '../support/oidc-stack.js';
import { postgresConnection, redisConnection } from '../support/services.js';

// R1 across instances: two processes of the app behind one origin share a family store (Redis or
// PostgreSQL); 100 concurrent requests of one session with an expired access token, split over both.
const TTL_S = 2;
const prefix = `sso-test:refresh:${randomUUID()}:`;
const table = `sso_families_x_${process.pid}`;
const redis = new Redis({ ...redisConnection(), lazyConnect: true, maxRetriesPerRequest: 1 });
const sql = postgres({ ...postgresConnection(), max: 2, onnotice: () => {} });

beforeAll(() => redis.connect());
afterAll(async () => {
	const keys = await redis.keys(`${prefix}*`);
	if (keys.length > 0) await redis.del(...keys);
	redis.disconnect();
	await sql.unsafe(`drop table if exists ${table}`);
	await sql.end();
});

type Stored = { generation: number; revokedAtMs: number | null; payload: string };
const backends: [string, Record<string, string>, (familyId: string) => Promise<{ stored: Stored; raw: string }>][] = [
	[
		'Redis',
		{ SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix },
		async (familyId) => {
			const raw = (await redis.get(`${prefix}rtf:${familyId}`))!;
			return { raw, stored: JSON.parse(raw.slice(raw.indexOf(':') + 1)) };
		}
	],
	[
		'PostgreSQL',
		{ SSO_FAMILY_STORE: 'postgres', SSO_PG_TABLE: table },
		async (familyId) => {
			const [row] = await sql.unsafe(`select * from ${table} where family_id = $1`, [familyId]);
			const raw = JSON.stringify(row);
			return { raw, stored: JSON.parse(row.data as string) };
		}
	]
];

describe.each(backends)('refresh single flight across two instances sharing a %s family store', (_name, env, read) => {
	let stack: OidcStack;
	let instanceB: RunningApp;
	beforeAll(async () => {
		stack = await startOidcStack({ idp: { accessTokenTtl: TTL_S, rotateRefreshTokens: true }, env });
		instanceB = await startApp({ ...stack.env, ORIGIN: stack.app.url });
	});
	afterAll(async () => {
		await instanceB?.stop();
		await stack?.stop();
	});

	it('100 concurrent requests split over two instances → one refresh_token grant, all signed in, generation + 1', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'ivan' });
		const cookie = sessionCookieHeader(stack, jar);
		const record = (await openSession(cookie))!;
		const before = await read(record.family!.id);
		expect(before.stored.generation).toBe(0);
		// The family payload is sealed: no token in the clear in the store.
		expect(before.raw).not.toContain(record.tokens!.refreshToken!);
		await sleep(TTL_S * 1000 + 150);
		stack.idp.resetCounters();
		const answers = await Promise.all(
			Array.from({ length: 100 }, (_, i) =>
				fetch(`${i % 2 === 0 ? stack.app.url : instanceB.url}/api/whoami`, { headers: { cookie }, redirect: 'manual' })
			)
		);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ isAuthenticated: boolean; hasAccessToken: boolean }>));
		for (const body of bodies) expect(body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		const written = await Promise.all(answers.map((r) => openSession(mergeCookies(cookie, r))));
		expect(new Set(written.map((r) => r?.family?.generation))).toEqual(new Set([1]));
		expect(new Set(written.map((r) => r?.tokens?.accessToken)).size).toBe(1);
		expect((await read(record.family!.id)).stored.generation).toBe(1);
	});
});
