import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server.js';
import { mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, sleep, startOidcStack, tokenCalls, type OidcStack } from '../support/oidc-stack.js';

// R1 across instances: two processes of the app behind one origin share a Redis family store.
const prefix = `sso-test:refresh:${randomUUID()}:`;
const TTL_S = 2;
let stack: OidcStack;
let instanceB: RunningApp;
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });

beforeAll(async () => {
	await redis.connect();
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S, rotateRefreshTokens: true },
		env: { SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix }
	});
	instanceB = await startApp({ ...stack.env, ORIGIN: stack.app.url });
});
afterAll(async () => {
	await instanceB?.stop();
	await stack?.stop();
	const keys = await redis.keys(`${prefix}*`);
	if (keys.length > 0) await redis.del(...keys);
	redis.disconnect();
});

async function storedFamily(familyId: string): Promise<{ generation: number; revokedAtMs: number | null; payload: string }> {
	const raw = await redis.get(`${prefix}rtf:${familyId}`);
	return JSON.parse(raw!.slice(raw!.indexOf(':') + 1));
}

describe('refresh single flight across two instances sharing a Redis family store', () => {
	it('50 concurrent requests split over two instances → one refresh_token grant, all signed in, generation + 1', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'ivan' });
		const cookie = sessionCookieHeader(stack, jar);
		const record = (await openSession(cookie))!;
		expect((await storedFamily(record.family!.id)).generation).toBe(0);
		// The family payload is sealed: no token in the clear in Redis.
		expect((await redis.get(`${prefix}rtf:${record.family!.id}`))!).not.toContain(record.tokens!.refreshToken!);
		await sleep(TTL_S * 1000 + 150);
		stack.idp.resetCounters();
		const answers = await Promise.all(
			Array.from({ length: 50 }, (_, i) =>
				fetch(`${i % 2 === 0 ? stack.app.url : instanceB.url}/api/whoami`, { headers: { cookie }, redirect: 'manual' })
			)
		);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ isAuthenticated: boolean; hasAccessToken: boolean }>));
		for (const body of bodies) expect(body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		const written = await Promise.all(answers.map((r) => openSession(mergeCookies(cookie, r))));
		expect(new Set(written.map((r) => r?.family?.generation))).toEqual(new Set([1]));
		expect(new Set(written.map((r) => r?.tokens?.accessToken)).size).toBe(1);
		expect((await storedFamily(record.family!.id)).generation).toBe(1);
	});
});
