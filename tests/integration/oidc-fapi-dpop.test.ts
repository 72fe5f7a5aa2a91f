import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FAPI_CLIENT_ID } from '../../dev/clients.js';
import { DEFAULTS } from '../../src/lib/defaults.js';
import { generateDpopKey, importDpopKey, type DpopPrivateJwk } from '../../src/lib/crypto/dpop/dpop-key.js';
import { createDpopNonceMemory } from '../../src/lib/crypto/dpop/dpop-nonce-memory.js';
import { createDpopProof } from '../../src/lib/crypto/dpop/dpop-proof.js';
import { fetchWithDpop } from '../../src/lib/crypto/dpop/dpop-request.js';
import { startApp, type RunningApp } from '../support/app-server.js';
import { untilTime } from '../support/eventually.js';
import { mergeCookies } from '../support/handoff-env.js';
import { BrowserCookieJar, fetchWithJar, LOGOUT, openSession, sessionCookieHeader, signIn, startOidcStack, type OidcStack } from '../support/oidc-stack.js';
import { redisConnection } from '../support/services.js';

// Issue 14 deliverable 3: the demo as the dev IdP's FAPI 2.0 client (dpop_bound_access_tokens) with
// `dpop: true`, against oidc-provider demanding DPoP nonces; two instances share a Redis family store.
const TTL_S = 4;
const prefix = `sso-test:dpop:${randomUUID()}:`;
const redis = new Redis({ ...redisConnection(), lazyConnect: true, maxRetriesPerRequest: 1 });

interface Seen {
	method: string;
	path: string;
	dpop: boolean;
	scheme: string | undefined;
}
let stack: OidcStack;
let instanceB: RunningApp;
const seen: Seen[] = [];
const pushedJkt: unknown[] = [];
const granted: string[] = [];

beforeAll(async () => {
	await redis.connect();
	stack = await startOidcStack({
		publicClient: true,
		idp: { dpopNonce: true, accessTokenTtl: TTL_S },
		env: { SSO_PROFILE: 'fapi', SSO_CLIENT_ID: DEMO_FAPI_CLIENT_ID, SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix }
	});
	instanceB = await startApp({ ...stack.env, ORIGIN: stack.app.url });
	stack.idp.misbehave = {
		onRequest(req: IncomingMessage, _res: unknown, url: URL) {
			seen.push({ method: req.method ?? '', path: url.pathname, dpop: typeof req.headers.dpop === 'string', scheme: req.headers.authorization?.split(' ')[0] });
			return false;
		}
	};
	const provider = stack.idp.provider as unknown as { on(event: string, listener: (ctx: any) => void): void };
	provider.on('pushed_authorization_request.success', (ctx) => pushedJkt.push(ctx.oidc.params.dpop_jkt));
	provider.on('grant.success', (ctx) => granted.push(ctx.oidc.params.grant_type));
}, 60_000);
afterAll(async () => {
	await instanceB?.stop();
	await stack?.stop();
	const keys = await redis.keys(`${prefix}*`);
	if (keys.length > 0) await redis.del(...keys);
	redis.disconnect();
});

const onlyRequests = (path: string) => seen.filter((s) => s.path === path);
const userinfo = () => `${stack.idp.issuer}/me`;

async function boundAccessToken(token: string): Promise<{ jkt?: string } | undefined> {
	return (await stack.idp.provider.AccessToken.find(token)) as { jkt?: string } | undefined;
}

async function thumbprintOf(jwk: DpopPrivateJwk): Promise<string> {
	return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');
}

/** A signed-in DPoP session: its jar, cookie header and sealed record. */
async function signedIn(login: string) {
	const jar = new BrowserCookieJar();
	const { callback, authorizationUrl } = await signIn(stack, jar, { login, returnTo: '/dashboard' });
	expect(callback.headers.get('location')).toBe('/dashboard');
	const cookie = sessionCookieHeader(stack, jar);
	const record = (await openSession(cookie))!;
	return { jar, cookie, record, callback, authorizationUrl };
}

/** A current server nonce of the IdP, as a DPoP sender learns it (a use_dpop_nonce answer). */
async function currentNonce(accessToken: string, jwk: DpopPrivateJwk): Promise<string> {
	const nonces = createDpopNonceMemory();
	const answer = await fetchWithDpop({ fetch, url: new URL(userinfo()), init: { method: 'GET' }, key: await importDpopKey(jwk), nonces, accessToken, clock: Date.now });
	expect(answer.status).toBe(200);
	return nonces.get(userinfo())!;
}

async function meWithProof(accessToken: string, proof: string): Promise<Response> {
	return fetch(userinfo(), { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } });
}

describe('DPoP-bound OIDC tokens (RFC 9449) with the FAPI 2.0 client against oidc-provider', () => {
	it('signs in with DPoP-bound tokens: dpop_jkt pushed, one nonce challenge followed, token_type DPoP, cnf.jkt = the session key', async () => {
		seen.length = 0;
		granted.length = 0;
		pushedJkt.length = 0;
		const { record, authorizationUrl } = await signedIn('ada');
		// The front channel still carries only client_id and request_uri; the key's thumbprint went in the pushed request.
		expect([...new URL(authorizationUrl).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
		const tokens = record.tokens!;
		expect(tokens.tokenType).toBe('DPoP');
		expect(tokens.dpop).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
		const thumbprint = await thumbprintOf(tokens.dpop!);
		expect(pushedJkt).toEqual([thumbprint]);
		expect((await boundAccessToken(tokens.accessToken))?.jkt).toBe(thumbprint);
		// A fresh app knows no nonce: the token call is challenged once (use_dpop_nonce) and retried once.
		const tokenCalls = onlyRequests('/token');
		expect(tokenCalls).toHaveLength(2);
		expect(tokenCalls.every((c) => c.dpop && c.method === 'POST')).toBe(true);
		expect(granted).toEqual(['authorization_code']);

		// The nonce is remembered: the next sign-in on this instance needs no retry.
		seen.length = 0;
		await signedIn('ada');
		expect(onlyRequests('/token')).toHaveLength(1);
	});

	it('locals.auth.fetch calls userinfo with Authorization: DPoP and a proof; the route never sees the key', async () => {
		const { jar } = await signedIn('brian');
		seen.length = 0;
		const answer = await fetchWithJar(jar, `${stack.app.url}/api/userinfo`);
		expect(answer.status).toBe(200);
		expect(await answer.json()).toMatchObject({ status: 200, body: { sub: 'brian' } });
		const calls = onlyRequests('/me');
		expect(calls.length).toBeGreaterThanOrEqual(1);
		expect(calls.every((c) => c.dpop && c.scheme === 'DPoP')).toBe(true);
	});

	it('the bound access token replayed as Bearer at userinfo is refused; with a proof by the session key it is accepted', async () => {
		const { record } = await signedIn('carol');
		const { accessToken, dpop } = record.tokens!;
		const bearer = await fetch(userinfo(), { headers: { authorization: `Bearer ${accessToken}` } });
		expect(bearer.status).toBe(401);
		const nonce = await currentNonce(accessToken, dpop!);
		const proof = await createDpopProof({ key: await importDpopKey(dpop!), method: 'GET', url: userinfo(), accessToken, nonce, now: Date.now() });
		expect((await meWithProof(accessToken, proof)).status).toBe(200);
	});

	it('a proof made with another key is refused; the same request proven with the session key is accepted', async () => {
		const { record } = await signedIn('dennis');
		const { accessToken, dpop } = record.tokens!;
		const nonce = await currentNonce(accessToken, dpop!);
		const other = await generateDpopKey();
		const forged = await createDpopProof({ key: other.key, method: 'GET', url: userinfo(), accessToken, nonce, now: Date.now() });
		const refused = await meWithProof(accessToken, forged);
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
		const genuine = await createDpopProof({ key: await importDpopKey(dpop!), method: 'GET', url: userinfo(), accessToken, nonce, now: Date.now() });
		expect((await meWithProof(accessToken, genuine)).status).toBe(200);
	});

	it('a proof whose jti was used before is refused: the first use is accepted, the replay is not', async () => {
		const { record } = await signedIn('edsger');
		const { accessToken, dpop } = record.tokens!;
		const nonce = await currentNonce(accessToken, dpop!);
		const proof = await createDpopProof({ key: await importDpopKey(dpop!), method: 'GET', url: userinfo(), accessToken, nonce, now: Date.now() });
		expect((await meWithProof(accessToken, proof)).status).toBe(200);
		const replay = await meWithProof(accessToken, proof);
		expect(replay.status).toBe(401);
		expect(replay.headers.get('www-authenticate')).toMatch(/invalid_token/);
		// Only the jti was spent: a new proof (new jti) for the same request is accepted again.
		const next = await createDpopProof({ key: await importDpopKey(dpop!), method: 'GET', url: userinfo(), accessToken, nonce, now: Date.now() });
		expect((await meWithProof(accessToken, next)).status).toBe(200);
	});

	it('a nonce the server no longer accepts is answered use_dpop_nonce; the same proof with its current nonce is accepted', async () => {
		const { record } = await signedIn('frances');
		const { accessToken, dpop } = record.tokens!;
		const key = await importDpopKey(dpop!);
		const stale = await createDpopProof({ key, method: 'GET', url: userinfo(), accessToken, nonce: 'stale-nonce-of-an-earlier-window', now: Date.now() });
		const refused = await meWithProof(accessToken, stale);
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/);
		const fresh = refused.headers.get('dpop-nonce')!;
		expect(fresh).toBeTruthy();
		const current = await createDpopProof({ key, method: 'GET', url: userinfo(), accessToken, nonce: fresh, now: Date.now() });
		expect((await meWithProof(accessToken, current)).status).toBe(200);
	});

	it('refreshes on the other instance sharing Redis with the same key: one refresh grant, the new token bound to the session key', async () => {
		const { cookie, record } = await signedIn('grace');
		const thumbprint = await thumbprintOf(record.tokens!.dpop!);
		await untilTime(record.tokens!.expiresAt + 250);
		granted.length = 0;
		seen.length = 0;
		// Instance B has never seen this session nor the IdP's nonce: it refreshes with the key the
		// family payload carries, and calls userinfo through locals.auth.fetch with the new token.
		const answer = await fetch(`${instanceB.url}/api/userinfo`, { headers: { cookie }, redirect: 'manual' });
		expect(answer.status).toBe(200);
		expect(await answer.json()).toMatchObject({ status: 200, body: { sub: 'grace' } });
		expect(granted).toEqual(['refresh_token']);
		expect(onlyRequests('/token').every((c) => c.dpop)).toBe(true);
		const refreshed = (await openSession(mergeCookies(cookie, answer)))!;
		expect(refreshed.family!.generation).toBe(1);
		expect(refreshed.tokens!.accessToken).not.toBe(record.tokens!.accessToken);
		expect(refreshed.tokens!.dpop).toEqual(record.tokens!.dpop);
		expect((await boundAccessToken(refreshed.tokens!.accessToken))?.jkt).toBe(thumbprint);
		// The family payload in Redis is sealed: neither the key nor the token in the clear.
		const stored = await redis.get(`${prefix}rtf:${record.family!.id}`);
		expect(stored).toBeTruthy();
		expect(stored).not.toContain(record.tokens!.dpop!.d);
		expect(stored).not.toContain(refreshed.tokens!.accessToken);
	});

	it('signs out with the refresh token revoked at the server, the revocation proven with the session key', async () => {
		const { jar, record } = await signedIn('hedy');
		seen.length = 0;
		const out = await fetchWithJar(jar, `${stack.app.url}${LOGOUT}`, { method: 'POST', headers: { origin: stack.app.url } });
		expect(out.status).toBe(303);
		const revocations = onlyRequests('/token/revocation');
		expect(revocations).toHaveLength(1);
		expect(revocations[0]!.dpop).toBe(true);
		expect(await stack.idp.provider.RefreshToken.find(record.tokens!.refreshToken!)).toBeUndefined();
	});

	it('never puts the key or a token in a browser-readable form: cookies are JWEs, pages and logs carry neither', async () => {
		const jar = new BrowserCookieJar();
		const start = await fetchWithJar(jar, `${stack.app.url}/auth/login`);
		const { callback } = await signIn(stack, jar, { login: 'ida' });
		const record = (await openSession(sessionCookieHeader(stack, jar)))!;
		const { d } = record.tokens!.dpop!;
		const secrets = [d, record.tokens!.accessToken, record.tokens!.refreshToken!];
		const pages = await Promise.all(['/api/whoami', '/session', '/dashboard'].map(async (path) => (await fetchWithJar(jar, `${stack.app.url}${path}`)).text()));
		const cookies = [...start.headers.getSetCookie(), ...callback.headers.getSetCookie()];
		expect(cookies.some((c) => c.startsWith('sso='))).toBe(true);
		for (const c of cookies) {
			const value = c.slice(c.indexOf('=') + 1).split(';')[0]!;
			// Deletions are empty; everything else is a compact JWE (five parts), so nothing in it decodes.
			if (value !== '') expect(value.split('.')).toHaveLength(5);
		}
		for (const text of [...cookies, ...pages, stack.app.output(), instanceB.output()]) {
			for (const secret of secrets) expect(text).not.toContain(secret);
		}
		expect(pages[0]).toContain('"isAuthenticated":true');
		// The key costs part of the cookie budget, and the session still fits in it.
		const sessionBytes = cookies.filter((c) => /^sso(?:\.\d+)?=/.test(c)).reduce((sum, c) => sum + c.split(';')[0]!.length, 0);
		expect(sessionBytes).toBeLessThan(DEFAULTS.cookie.maxTotalBytes);
	});

	it('a server that answers a Bearer token to a DPoP-proven code exchange signs nobody in; honest answers do', async () => {
		stack.idp.misbehave = {
			onTokenResponse(body) {
				if (typeof body.access_token === 'string') body.token_type = 'Bearer';
			}
		};
		try {
			const jar = new BrowserCookieJar();
			const { callback } = await signIn(stack, jar, { login: 'joan' });
			expect(callback.headers.get('location')).toBe('/login?error=invalid_response');
		} finally {
			stack.idp.misbehave = {};
		}
		const { record } = await signedIn('joan');
		expect(record.tokens!.tokenType).toBe('DPoP');
	});
});

describe('locals.auth.fetch without DPoP (the plain demo client)', () => {
	let plain: OidcStack;
	beforeAll(async () => {
		plain = await startOidcStack();
	}, 60_000);
	afterAll(() => plain?.stop());

	it('sends the access token as Bearer to userinfo; signed out, it refuses with login_required', async () => {
		const jar = new BrowserCookieJar();
		const { callback } = await signIn(plain, jar, { login: 'ken' });
		expect(callback.status).toBe(303);
		const record = (await openSession(sessionCookieHeader(plain, jar)))!;
		expect(record.tokens!.tokenType.toLowerCase()).toBe('bearer');
		expect(record.tokens!.dpop).toBeUndefined();
		const answer = await fetchWithJar(jar, `${plain.app.url}/api/userinfo`);
		expect(await answer.json()).toMatchObject({ status: 200, body: { sub: 'ken' } });
		const signedOut = await fetch(`${plain.app.url}/api/userinfo`);
		expect(signedOut.status).toBe(401);
		expect(await signedOut.json()).toEqual({ error: 'login_required' });
	});
});
