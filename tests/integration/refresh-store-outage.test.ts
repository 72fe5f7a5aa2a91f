import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, get } from '../support/app-server.js';
import { REDIS_SERVER } from '../support/services.js';
import { untilTime, until } from '../support/eventually.js';
import { cookieHeaderFrom, cookiesSet, mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, startOidcStack, tokenCalls, whoami, type OidcStack } from '../support/oidc-stack.js';

// R6 over HTTP: the app's family store is a Redis of this test's own (another loopback port), which
// the test stops and starts again.
const TTL_S = 2;
let redisPort: number;
let redis: ChildProcess | undefined;
let stack: OidcStack;

async function startRedis() {
	redis = spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	const { Redis } = await import('ioredis');
	await until(async () => {
		const probe = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
		probe.on('error', () => {});
		try {
			await probe.connect();
			return true;
		} catch {
			return false;
		} finally {
			probe.disconnect();
		}
	}, `redis-server to answer on port ${redisPort}`);
}

/** Waits until the access token in a session cookie has expired (the next request must refresh it). */
async function untilAccessTokenExpired(cookie: string) {
	await untilTime((await openSession(cookie))!.tokens!.expiresAt);
}

async function stopRedis() {
	if (!redis || redis.exitCode !== null) return;
	const exited = new Promise((resolve) => redis!.once('exit', resolve));
	redis.kill('SIGKILL');
	await exited;
}

beforeAll(async () => {
	redisPort = await freePort();
	await startRedis();
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S },
		env: { SSO_FAMILY_STORE: 'redis', SSO_REDIS_URL: `redis://127.0.0.1:${redisPort}`, SSO_SESSION_CHECK_INTERVAL_MS: '0' }
	});
});
afterAll(async () => {
	await startRedis().catch(() => {});
	await stack?.stop();
	await stopRedis();
});

describe('the family store goes down (R6)', () => {
	it('fails closed while Redis is down (no token request, cookie kept); after it returns empty, the old session ends and new ones work', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'olga' });
		const cookie = sessionCookieHeader(stack, jar);
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(true);

		await stopRedis();
		await untilAccessTokenExpired(cookie);
		stack.idp.resetCounters();
		const during = await whoami(stack, cookie);
		expect(during.status).toBe(200);
		expect(during.body.isAuthenticated).toBe(false);
		expect(during.response.headers.getSetCookie()).toEqual([]);
		expect(tokenCalls(stack)).toBe(0);

		// Redis comes back empty (no persistence). A shared store that lost a family cannot tell a
		// flush from a deliberate revocation, so the session ends (cookie deleted, no token request)
		// rather than being rebuilt from a cookie copy; the app itself works again without a restart.
		await startRedis();
		// ioredis reconnects with a back-off: ask until the store answers (each miss is another
		// fail-closed answer with no token request).
		let after = await whoami(stack, cookie);
		await until(async () => {
			if (after.response.headers.getSetCookie().length > 0) return true;
			expect(after.body.isAuthenticated).toBe(false);
			after = await whoami(stack, cookie);
			return false;
		}, 'the app to reach the restarted Redis', { timeoutMs: 30_000, intervalMs: 100 });
		expect(after.body.isAuthenticated).toBe(false);
		expect(after.response.headers.getSetCookie().some((c) => /Max-Age=0/.test(c))).toBe(true);
		expect(tokenCalls(stack)).toBe(0);

		// Recovery: a new sign-in gets a family in the restarted store and refreshes once.
		const again = new BrowserCookieJar();
		await signIn(stack, again, { login: 'olga' });
		const fresh = sessionCookieHeader(stack, again);
		await untilAccessTokenExpired(fresh);
		stack.idp.resetCounters();
		const refreshed = await whoami(stack, fresh);
		expect(refreshed.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		expect((await openSession(mergeCookies(fresh, refreshed.response)))?.family?.generation).toBe(1);
	});

	it('a handoff whose verify answer carries a refresh token, arriving while Redis is down: store_unavailable, no session, the token gone from the URL; it signs in once Redis answers', async () => {
		const arrive = async () => {
			const state = `idp-state-${crypto.randomUUID()}`;
			const token = await stack.idp.mintHandoff({ sub: 'hugo', clientId: stack.clientId, state });
			const response = await get(`${stack.app.url}/dashboard?handoff_token=${encodeURIComponent(token)}&state=${state}&keep=1`);
			return { token, response, location: response.headers.get('location') ?? '' };
		};
		await stopRedis();
		stack.idp.resetCounters();
		const down = await arrive();
		expect(down.response.status).toBe(303);
		expect(down.location).toBe('/login?error=store_unavailable');
		expect(down.location).not.toContain(down.token);
		expect(cookiesSet(down.response)).toEqual([]);
		// The verify call was made (and the token spent at the IdP) before the family could be registered.
		expect(stack.idp.counters.verifySuccesses).toBe(1);
		expect(stack.app.output()).not.toContain(down.token);

		await startRedis();
		// The app's client reconnects with a back-off; until then each handoff is refused the same way.
		let up = await arrive();
		await until(async () => {
			if (up.location !== '/login?error=store_unavailable') return true;
			up = await arrive();
			return false;
		}, 'a handoff to sign in once Redis is back', { timeoutMs: 30_000, intervalMs: 100 });
		expect(up.location).toBe('/dashboard?keep=1');
		const signedIn = await whoami(stack, cookieHeaderFrom(up.response));
		expect(signedIn.body).toMatchObject({ isAuthenticated: true, user: { id: 'hugo' }, hasAccessToken: true });
		expect((await openSession(cookieHeaderFrom(up.response)))?.family?.generation).toBe(0);
	});
});
