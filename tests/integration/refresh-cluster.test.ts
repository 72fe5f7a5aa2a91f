import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, startApp, type RunningApp } from '../support/app-server.js';
import { until, untilTime } from '../support/eventually.js';
import { cookieHeaderFrom, cookiesSet, mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, openSession, sessionCookieHeader, signIn, startOidcStack, tokenCalls, whoami, type OidcStack } from '../support/oidc-stack.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

// R1 and R6 on a Redis Cluster: two processes of the demo behind one origin share a family store on a
// three-master cluster of this file's own (tests/support/redis-cluster.ts), instance A through ioredis'
// `Cluster`, instance B through node-redis' `createCluster`. Then, for a refresh on each instance, the
// master that holds the session's family is killed while the refresh is at the IdP, and started again.
const TTL_S = 2;
const prefix = `sso-test:cluster:${randomUUID()}:`;
let cluster: RedisCluster;
let stack: OidcStack;
let instanceB: RunningApp;

type Stored = { generation: number; lease: unknown; revokedAtMs: number | null; payload: string };

/** The family as the master that holds it has it, straight from Redis (version prefix and JSON). */
async function stored(familyId: string): Promise<{ version: number; family: Stored; raw: string }> {
	const key = `${prefix}rtf:${familyId}`;
	const raw = String(await cluster.command(await cluster.masterOf(key), 'GET', key));
	const match = /^(\d+):/.exec(raw)!;
	return { raw, version: Number(match[1]), family: JSON.parse(raw.slice(match[0].length)) };
}

async function untilAccessTokenExpired(cookie: string) {
	await untilTime((await openSession(cookie))!.tokens!.expiresAt);
}

async function whoamiAt(app: { url: string }, cookie: string) {
	const response = await fetch(`${app.url}/api/whoami`, { headers: { cookie }, redirect: 'manual' });
	return { status: response.status, body: (await response.json()) as { isAuthenticated: boolean; hasAccessToken: boolean }, response };
}

beforeAll(async () => {
	cluster = await startRedisCluster();
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S, rotateRefreshTokens: true },
		env: {
			SSO_FAMILY_STORE: 'redis',
			SSO_REDIS_CLUSTER_NODES: cluster.seeds.map(({ host, port }) => `${host}:${port}`).join(','),
			SSO_REDIS_PREFIX: prefix,
			SSO_SESSION_CHECK_INTERVAL_MS: '0',
			// The shortest lease the SDK allows (twice the 5 s token timeout): the test waits out the one
			// a request left behind when the master died under it.
			SSO_REFRESH_LEASE_MS: '10000'
		}
	});
	instanceB = await startApp({ ...stack.env, ORIGIN: stack.app.url, SSO_REDIS_CLIENT: 'node-redis' });
});

afterAll(async () => {
	await instanceB?.stop();
	await stack?.stop();
	await cluster?.stop();
});

describe('refresh across two instances sharing a family store on a Redis Cluster', () => {
	it('100 concurrent requests split over an ioredis Cluster instance and a node-redis createCluster instance → one refresh_token grant, all signed in, generation + 1', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'ivan' });
		const cookie = sessionCookieHeader(stack, jar);
		const record = (await openSession(cookie))!;
		const before = await stored(record.family!.id);
		expect(before.family.generation).toBe(0);
		expect(before.raw).not.toContain(record.tokens!.refreshToken!);
		await untilAccessTokenExpired(cookie);
		stack.idp.resetCounters();
		const answers = await Promise.all(
			Array.from({ length: 100 }, (_, i) => whoamiAt(i % 2 === 0 ? stack.app : instanceB, cookie))
		);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		for (const { body } of answers) expect(body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		const written = await Promise.all(answers.map(({ response }) => openSession(mergeCookies(cookie, response))));
		expect(new Set(written.map((r) => r?.family?.generation))).toEqual(new Set([1]));
		expect(new Set(written.map((r) => r?.tokens?.accessToken)).size).toBe(1);
		expect((await stored(record.family!.id)).family.generation).toBe(1);
	});

	it.each([
		['ioredis Cluster', () => [stack.app, instanceB] as const],
		['node-redis createCluster', () => [instanceB, stack.app] as const]
	])("the family's master killed mid-refresh on the %s instance: fails closed on both instances (no session, no token request, store_unavailable for a new sign-in), keeps every acknowledged write, and recovers once it is back, without an app restart", async (_client, instances) => {
		const [holder, other] = instances();
		// A bystander session, refreshed once it is over, proves the store kept what it acknowledged.
		const bystanderJar = new BrowserCookieJar();
		await signIn(stack, bystanderJar, { login: 'oscar' });
		const bystander = sessionCookieHeader(stack, bystanderJar);

		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'nina' });
		const cookie = sessionCookieHeader(stack, jar);
		const record = (await openSession(cookie))!;
		const familyId = record.family!.id;
		const master = await cluster.masterOf(`${prefix}rtf:${familyId}`);
		await untilAccessTokenExpired(cookie);
		stack.idp.resetCounters();

		// The refresh leases the family, then stalls at the IdP's token endpoint; the master dies meanwhile,
		// and the IdP rotates the refresh token that the app can no longer record.
		// The stall (3 s) is shorter than the app's token timeout (5 s), so the IdP does answer.
		const hits = stack.tokenGate.hits;
		stack.tokenGate.delayMs = 3_000;
		const pending = whoamiAt(holder, cookie);
		try {
			await until(() => stack.tokenGate.hits > hits, 'the refresh to reach the IdP', { intervalMs: 5 });
			await cluster.kill(master);
		} finally {
			delete stack.tokenGate.delayMs;
		}
		const midRefresh = await pending;
		expect(midRefresh.status).toBe(200);
		expect(midRefresh.body.isAuthenticated).toBe(false);
		expect(midRefresh.response.headers.getSetCookie()).toEqual([]);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		// Nothing on the console: no stack trace, no token (the demo sets no logger; production stays quiet).
		for (const app of [holder, other]) expect(app.output()).not.toMatch(/Error|refresh_token|store_unavailable/);

		// While the master is down: signed out on both instances, cookie kept, no token request.
		for (const app of [holder, other, holder, other]) {
			const during = await whoamiAt(app, cookie);
			expect(during.status).toBe(200);
			expect(during.body.isAuthenticated).toBe(false);
			expect(during.response.headers.getSetCookie()).toEqual([]);
		}
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);

		// Once the other masters mark it failed the whole cluster refuses (CLUSTERDOWN): a handoff that
		// must register a new family is refused with the error code, its token kept out of the URL.
		await cluster.untilFail();
		const state = `idp-state-${randomUUID()}`;
		const handoffToken = await stack.idp.mintHandoff({ sub: 'hugo', clientId: stack.clientId, state });
		const handoff = await get(`${other.url}/dashboard?handoff_token=${encodeURIComponent(handoffToken)}&state=${state}`);
		expect(handoff.status).toBe(303);
		expect(handoff.headers.get('location')).toBe('/login?error=store_unavailable');
		expect(cookiesSet(handoff)).toEqual([]);

		// The same master, on the same port and folder.
		await cluster.restart(master);
		await cluster.untilOk();
		// Nothing corrupt and nothing half-written: the family is as the lease left it (leased before the
		// token request, as R1 wants), generation 0.
		const after = await stored(familyId);
		expect(after.family).toMatchObject({ generation: 0, revokedAtMs: null });
		expect(after.family.lease).not.toBeNull();
		expect(after.raw).not.toContain(record.tokens!.refreshToken!);

		// The tokens the IdP issued were never recorded, so the session cannot go on: once the clients
		// reach the master and the dead request's lease has run out, the next refresh sends the spent
		// refresh token, the IdP answers invalid_grant and the session ends (cookie deleted, family
		// revoked). Until then each answer is fail-closed and writes no new session.
		let ended: Awaited<ReturnType<typeof whoamiAt>> | undefined;
		await until(
			async () => {
				const answer = await whoamiAt(holder, cookie);
				const setCookies = answer.response.headers.getSetCookie();
				for (const header of setCookies) expect(header).toMatch(/Max-Age=0/);
				expect(answer.body.hasAccessToken).toBe(false);
				if (setCookies.length === 0) return false;
				ended = answer;
				return true;
			},
			'the interrupted session to end',
			{ timeoutMs: 45_000, intervalMs: 250 }
		);
		expect(ended!.body.isAuthenticated).toBe(false);
		expect(tokenCalls(stack, 'refresh_token')).toBe(2);
		expect((await stored(familyId)).family.revokedAtMs).not.toBeNull();

		// The bystander's family survived the kill (append-only): it refreshes once, on the other instance.
		stack.idp.resetCounters();
		const refreshed = await whoamiAt(other, bystander);
		expect(refreshed.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		expect((await openSession(mergeCookies(bystander, refreshed.response)))?.family?.generation).toBe(1);

		// And a new sign-in works on the same running instances, with a handoff too.
		const again = new BrowserCookieJar();
		await signIn(stack, again, { login: 'nina' });
		const fresh = sessionCookieHeader(stack, again);
		await untilAccessTokenExpired(fresh);
		stack.idp.resetCounters();
		expect((await whoamiAt(other, fresh)).body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		const secondState = `idp-state-${randomUUID()}`;
		const secondToken = await stack.idp.mintHandoff({ sub: 'hugo', clientId: stack.clientId, state: secondState });
		const signedIn = await get(`${other.url}/dashboard?handoff_token=${encodeURIComponent(secondToken)}&state=${secondState}`);
		expect(signedIn.headers.get('location')).toBe('/dashboard');
		expect((await whoamiAt(other, cookieHeaderFrom(signedIn))).body.isAuthenticated).toBe(true);
	});
});
