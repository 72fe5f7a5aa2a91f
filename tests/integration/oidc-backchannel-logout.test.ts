import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server.js';
import { signOutAtIdp } from '../support/idp-login.js';
import {
	BrowserCookieJar,
	openSession,
	sessionCookieHeader,
	signIn,
	sleep,
	startOidcStack,
	type OidcStack
} from '../support/oidc-stack.js';
import { redisConnection } from '../support/services.js';

// Two instances of the app (A and B) share a Redis family store; the IdP's back-channel logout
// reaches A only. A ends the named session at once, B within its check interval (500 ms here).
const prefix = `sso-test:bcl:${randomUUID()}:`;
const CHECK_MS = 500;
let stack: OidcStack;
let instanceB: RunningApp;
const redis = new Redis({ ...redisConnection(), lazyConnect: true, maxRetriesPerRequest: 1 });

beforeAll(async () => {
	await redis.connect();
	stack = await startOidcStack({
		backchannel: true,
		env: { SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix, SSO_SESSION_CHECK_INTERVAL_MS: String(CHECK_MS) }
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
beforeEach(() => {
	stack.backchannelDeliveries.length = 0;
});

async function who(base: string, cookie: string) {
	const res = await fetch(`${base}/api/whoami`, { headers: { cookie }, redirect: 'manual' });
	return (await res.json()) as { isAuthenticated: boolean };
}

async function session(login: string) {
	const jar = new BrowserCookieJar();
	await signIn(stack, jar, { login });
	const cookie = sessionCookieHeader(stack, jar);
	return { jar, cookie, record: (await openSession(cookie))! };
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A logout token signed with the IdP's own key. */
function logoutToken(claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }) {
	return stack.idp.signJwt(
		{ iss: stack.idp.issuer, aud: stack.clientId, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), events: { [EVENT]: {} }, ...claims },
		header
	);
}

/** POSTs a logout token to an instance the way the IdP does: a form POST without `Origin`. */
function deliver(token: string, base = stack.app.url) {
	return fetch(`${base}/auth/backchannel-logout`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ logout_token: token })
	});
}

describe('back-channel logout (OIDC Back-Channel Logout 1.0)', () => {
	it('the IdP ending its session ends the browser session: at once on the instance it reached, within the check interval on the other', async () => {
		const { jar, cookie, record } = await session('erin');
		expect(record.idp?.sid).toEqual(expect.any(String));
		const other = await session('erin');
		expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: true });
		expect(await who(instanceB.url, cookie)).toMatchObject({ isAuthenticated: true });

		// The user signs out at the IdP (its own end_session page): the IdP POSTs a logout token.
		await signOutAtIdp(`${stack.idp.issuer}/session/end?client_id=${stack.clientId}`, { jar });
		expect(stack.backchannelDeliveries).toEqual([{ status: 200 }]);

		const onA = await fetch(`${stack.app.url}/api/whoami`, { headers: { cookie }, redirect: 'manual' });
		expect(((await onA.json()) as { isAuthenticated: boolean }).isAuthenticated).toBe(false);
		expect(onA.headers.getSetCookie().some((c) => c.startsWith('sso=;') && /Max-Age=0/.test(c))).toBe(true);
		await sleep(CHECK_MS + 100);
		expect(await who(instanceB.url, cookie)).toMatchObject({ isAuthenticated: false });
		// Another IdP session of the same user (another sid) is not named by the token.
		expect(await who(stack.app.url, other.cookie)).toMatchObject({ isAuthenticated: true });
		expect(await who(instanceB.url, other.cookie)).toMatchObject({ isAuthenticated: true });
	});

	it('rejects logout tokens that fail a check (400) and leaves the session; the valid token ends it', async () => {
		const { cookie, record } = await session('frank');
		const sid = record.idp!.sid!;
		const now = Math.floor(Date.now() / 1000);
		const bad: [string, Promise<string>][] = [
			['wrong audience', logoutToken({ sid, aud: 'other-client' })],
			['extra audience', logoutToken({ sid, aud: [stack.clientId, 'other-client'] })],
			['wrong issuer', logoutToken({ sid, iss: 'https://evil.example' })],
			['no events', logoutToken({ sid, events: undefined })],
			['wrong event', logoutToken({ sid, events: { 'http://schemas.openid.net/event/other': {} } })],
			['nonce present', logoutToken({ sid, nonce: 'n' })],
			['neither sid nor sub', logoutToken({})],
			['no jti', logoutToken({ sid, jti: undefined })],
			['no iat', logoutToken({ sid, iat: undefined })],
			['issued long ago', logoutToken({ sid, iat: now - 3600 })],
			['an ID token (typ JWT, no events, a nonce)', logoutToken({ sid, events: undefined, nonce: 'n' }, { typ: 'JWT' })],
			['an access token (typ at+jwt)', logoutToken({ sid }, { typ: 'at+jwt' })],
			['alg none', Promise.resolve(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: stack.idp.issuer, aud: stack.clientId, iat: now, jti: randomUUID(), events: { [EVENT]: {} }, sid })).toString('base64url')}.`)],
			['bad signature', logoutToken({ sid }).then((t) => `${t.slice(0, -6)}AAAAAA`)]
		];
		for (const [, token] of bad) {
			const res = await deliver(await token);
			expect(res.status).toBe(400);
			expect(res.headers.get('cache-control')).toBe('no-store');
			expect(await res.json()).toEqual({ error: 'invalid_request' });
		}
		expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: true });
		expect((await fetch(`${stack.app.url}/auth/backchannel-logout`)).status).toBe(405);

		const valid = await logoutToken({ sid });
		expect((await deliver(valid)).status).toBe(200);
		expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: false });
		// The same token again (jti replay), on either instance: refused.
		expect((await deliver(valid)).status).toBe(400);
		expect((await deliver(valid, instanceB.url)).status).toBe(400);
	});

	it('ends the session on a logout token typed JWT, as many providers send it (X11)', async () => {
		const { cookie, record } = await session('judy');
		expect((await deliver(await logoutToken({ sid: record.idp!.sid! }, { typ: 'JWT' }))).status).toBe(200);
		expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: false });
	});

	it('answers 413 with no-store, never a connection reset, to a body over 16 KiB, declared or chunked; the connection then carries a valid logout (X8)', async () => {
		const { cookie, record } = await session('ivan');
		// One keep-alive connection for every request: a reset would fail the request that meets it.
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		const post = (body: Buffer, chunked: boolean) =>
			new Promise<{ status: number; cacheControl: string | undefined; reused: boolean }>((resolve, reject) => {
				const url = new URL(`${stack.app.url}/auth/backchannel-logout`);
				const req = request(
					{
						agent,
						host: url.hostname,
						port: url.port,
						path: url.pathname,
						method: 'POST',
						headers: { 'content-type': 'application/x-www-form-urlencoded', ...(chunked ? {} : { 'content-length': String(body.length) }) }
					},
					(res) => {
						res.resume();
						res.on('end', () => resolve({ status: res.statusCode!, cacheControl: res.headers['cache-control'], reused: req.reusedSocket }));
						res.on('error', reject);
					}
				);
				req.on('error', reject);
				if (chunked) for (let at = 0; at < body.length; at += 8192) req.write(body.subarray(at, at + 8192));
				req.end(chunked ? undefined : body);
			});
		try {
			for (const size of [70 * 1024, 300 * 1024]) {
				for (const chunked of [false, true]) {
					const answer = await post(Buffer.from(`logout_token=${'a'.repeat(size)}`), chunked);
					expect({ size, chunked, status: answer.status, cacheControl: answer.cacheControl }).toEqual({ size, chunked, status: 413, cacheControl: 'no-store' });
				}
			}
			expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: true });
			// control: the same connection, still open, carries a valid logout token
			const valid = await post(Buffer.from(new URLSearchParams({ logout_token: await logoutToken({ sid: record.idp!.sid! }) }).toString()), false);
			expect(valid).toEqual({ status: 200, cacheControl: 'no-store', reused: true });
			expect(await who(stack.app.url, cookie)).toMatchObject({ isAuthenticated: false });
		} finally {
			agent.destroy();
		}
	});

	it('a logout token naming only the subject ends every session of that user created before it', async () => {
		const one = await session('grace');
		const two = await session('grace');
		const bystander = await session('heidi');
		expect((await deliver(await logoutToken({ sub: 'grace' }))).status).toBe(200);
		expect(await who(stack.app.url, one.cookie)).toMatchObject({ isAuthenticated: false });
		expect(await who(stack.app.url, two.cookie)).toMatchObject({ isAuthenticated: false });
		expect(await who(stack.app.url, bystander.cookie)).toMatchObject({ isAuthenticated: true });
		// Signing in again afterwards works.
		await sleep(5);
		const again = await session('grace');
		expect(await who(stack.app.url, again.cookie)).toMatchObject({ isAuthenticated: true });
	});
});

describe('checkOrigin: the hook takes over SvelteKit CSRF check', () => {
	it('refuses a cross-site or Origin-less form POST everywhere but the back-channel path, and lets same-origin posts through', async () => {
		const post = (path: string, origin?: string) =>
			fetch(`${stack.app.url}${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
				body: 'a=1',
				redirect: 'manual'
			});
		expect((await post('/login', 'https://evil.example')).status).toBe(403);
		expect((await post('/login')).status).toBe(403);
		expect((await post('/dashboard', 'null')).status).toBe(403);
		// same origin: no 403 from the hook (the page itself has no action: 405)
		expect((await post('/login', stack.app.url)).status).not.toBe(403);
		// the back-channel path is reached without an Origin and answers on the token's merits
		expect((await post('/auth/backchannel-logout')).status).toBe(400);
	});
});
