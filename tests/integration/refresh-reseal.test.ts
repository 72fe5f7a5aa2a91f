import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';
import { RedisRefreshTokenFamilyStore } from '../../src/lib/redis/index.js';
import { createRefreshTokenFamilyRotation } from '../../src/lib/server/refresh/rotation.js';
import { startApp, TEST_SECRET, type RunningApp } from '../support/app-server.js';
import { mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, sleep, startOidcStack, tokenCalls, type OidcStack } from '../support/oidc-stack.js';

// The rolling re-seal against refresh rotation, across two instances sharing a Redis family store:
// a request that lost the refresh race must not write its superseded generation back into the
// browser, whatever order the answers arrive in.
const TTL_S = 4;
const GRACE_MS = 1_000;
const prefix = `sso-test:reseal:${randomUUID()}:`;
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
let stack: OidcStack;
let instanceB: RunningApp;

beforeAll(async () => {
	await redis.connect();
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S },
		env: { SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix, SSO_REFRESH_GRACE_MS: String(GRACE_MS) }
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

const whoami = (base: string, cookie: string) => fetch(`${base}/api/whoami`, { headers: { cookie }, redirect: 'manual' });

/** The same session, re-sealed as if last touched `ageMs` ago: the rolling interval (5 min) is due. */
async function touchedAgo(cookie: string, ageMs: number): Promise<string> {
	const record = (await openSession(cookie))!;
	const aged: SessionRecord = { ...record, touchedAt: Date.now() - ageMs };
	const sealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: () => Date.now() });
	const value = await sealer.seal({ s: aged }, Math.min(aged.createdAt + 7 * 24 * 3600_000, aged.touchedAt + 24 * 3600_000));
	// One cookie: the demo's sessions are far below the 4 KiB chunk size.
	expect(value.length).toBeLessThan(3_800);
	return `sso=${value}`;
}

describe('the rolling re-seal across two instances sharing Redis', () => {
	it('a request that lost the refresh race (busy, its wait ran out) writes no generation-0 cookie; its answer delivered last leaves the browser on generation 1, signed in', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'judy' });
		const cookie = await touchedAgo(sessionCookieHeader(stack, jar), 6 * 60_000);
		const record = (await openSession(cookie))!;
		expect(record.family?.generation).toBe(0);
		// The access token is within its refresh leeway.
		await sleep((TTL_S / 2) * 1000 + 200);
		stack.idp.resetCounters();

		// A request elsewhere holds the lease on generation 0 (its token request is slow): B's request
		// gets busy, waits refreshWaitMs (5 s) and goes on with what it has: unchanged.
		const rotation = createRefreshTokenFamilyRotation({ store: new RedisRefreshTokenFamilyStore({ client: redis, keyPrefix: prefix }), leaseMs: 15_000 });
		const holder = `test-holder-${randomUUID()}`;
		expect((await rotation.acquireLease(record.family!.id, { generation: 0, leaseId: holder })).outcome).toBe('leased');
		const loser = await whoami(instanceB.url, cookie);
		expect(await loser.json()).toMatchObject({ isAuthenticated: true });
		const loserSessionCookies = loser.headers.getSetCookie().filter((c) => /^sso(?:\.\d+)?=/.test(c));
		expect(loserSessionCookies).toEqual([]);
		expect(tokenCalls(stack, 'refresh_token')).toBe(0);

		// The holder gives up; A's request refreshes: generation 1.
		await rotation.releaseLease(record.family!.id, holder);
		const winner = await whoami(stack.app.url, cookie);
		expect(await winner.json()).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);

		// The browser gets A's answer first and B's last.
		const browser = mergeCookies(mergeCookies(cookie, winner), loser);
		expect((await openSession(browser))?.family?.generation).toBe(1);
		// Past the grace window the browser's next request is no replay: still signed in.
		await sleep(GRACE_MS + 200);
		const next = await whoami(stack.app.url, browser);
		expect(await next.json()).toMatchObject({ isAuthenticated: true });
		const family = await rotation.find(record.family!.id);
		expect(family?.revokedAtMs).toBeNull();
	});
});
