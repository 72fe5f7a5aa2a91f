import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp } from '../support/app-server.js';
import { signInAtIdp } from '../support/idp-login.js';
import {
	authorize,
	BrowserCookieJar,
	CALLBACK,
	fetchWithJar,
	LOGIN,
	openSession,
	sessionCookieHeader,
	startOidcStack,
	tokenCalls,
	whoami,
	type OidcStack
} from '../support/oidc-stack.js';

// docs/SECURITY.md C1–C15 and I1–I10 against the production build and the dev IdP (misbehaving where a row
// needs it). Each attack is shown rejected, and the same request without the attack accepted.
let stack: OidcStack;
beforeAll(async () => {
	stack = await startOidcStack({ env: { SSO_FETCH_USERINFO: '1' } });
});
afterAll(() => stack?.stop());
beforeEach(() => {
	stack.idp.resetCounters();
	stack.idp.misbehave = {};
});

/** A browser that holds an IdP session, so authorizations complete without the form. */
async function browser(login = 'victim') {
	const jar = new BrowserCookieJar();
	const { callbackUrl } = await authorize(stack, jar, { login });
	await fetchWithJar(jar, callbackUrl);
	stack.idp.resetCounters();
	return jar;
}

/** Starts a sign-in in `jar` and completes it at the IdP; returns the callback URL, not visited. */
async function pendingCallback(jar: BrowserCookieJar, returnTo?: string) {
	const { callbackUrl, authorizationUrl } = await authorize(stack, jar, { returnTo });
	return { callbackUrl: new URL(callbackUrl), authorizationUrl: new URL(authorizationUrl) };
}

const visit = (jar: BrowserCookieJar, url: URL | string) => fetchWithJar(jar, String(url));

function expectRejected(res: Response, code: string | RegExp) {
	expect(res.status).toBe(303);
	const location = new URL(res.headers.get('location')!, stack.app.url);
	expect(location.origin).toBe(stack.app.url);
	expect(location.pathname).toBe('/login');
	if (typeof code === 'string') expect(location.searchParams.get('error')).toBe(code);
	else expect(location.searchParams.get('error')).toMatch(code);
	expectNoSession(res);
}

function expectNoSession(res: Response) {
	expect(res.headers.getSetCookie().filter((c) => /^sso(\.\d+)?=/.test(c) && !/Max-Age=0/.test(c))).toEqual([]);
	expect(res.headers.get('cache-control')).toBe('no-store');
	expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

function expectSignedIn(res: Response, location = '/') {
	expect(res.status).toBe(303);
	expect(res.headers.get('location')).toBe(location);
	expect(res.headers.getSetCookie().some((c) => c.startsWith('sso='))).toBe(true);
}

/** The transaction cookie of `state` is deleted by the response (T5). */
function expectTransactionCleared(res: Response, state: string) {
	expect(res.headers.getSetCookie().some((c) => c.startsWith(`__txn_${state}=;`) && /Max-Age=0/.test(c))).toBe(true);
}

describe('callback: authorization response checks before any token request (C rows)', () => {
	it('C1: a callback minted in another browser (login CSRF) is rejected before the token request', async () => {
		const victim = await browser('victim');
		await visit(victim, `${stack.app.url}${LOGIN}`); // the victim has a transaction of its own
		const attacker = await browser('attacker');
		const { callbackUrl } = await pendingCallback(attacker);
		stack.idp.resetCounters();
		const res = await visit(victim, callbackUrl);
		expectRejected(res, 'invalid_state');
		expect(tokenCalls(stack)).toBe(0);
		expect((await whoami(stack, victim)).body.user?.id).toBe('victim');
		// The same callback in the browser that started it signs in.
		expectSignedIn(await visit(attacker, callbackUrl));
		expect(tokenCalls(stack)).toBe(1);
	});

	it('C2: a callback without state, or without a transaction cookie, is rejected before the token request', async () => {
		const jar = await browser();
		const { callbackUrl } = await pendingCallback(jar);
		const state = callbackUrl.searchParams.get('state')!;
		const noState = new URL(callbackUrl);
		noState.searchParams.delete('state');
		expectRejected(await visit(jar, noState), 'invalid_state');
		const fresh = new BrowserCookieJar();
		expectRejected(await visit(fresh, callbackUrl), 'invalid_state');
		expect(tokenCalls(stack)).toBe(0);
		// With state and its transaction: accepted.
		const ok = await visit(jar, callbackUrl);
		expectSignedIn(ok);
		expectTransactionCleared(ok, state);
	});

	it('C3: checks stripped from the authorization URL never lead to a session', async () => {
		const jar = await browser();
		for (const strip of [['state'], ['nonce'], ['code_challenge', 'code_challenge_method'], ['state', 'nonce', 'code_challenge', 'code_challenge_method']]) {
			const start = await visit(jar, `${stack.app.url}${LOGIN}`);
			const tampered = new URL(start.headers.get('location')!);
			for (const name of strip) tampered.searchParams.delete(name);
			const { callbackUrl } = await signInAtIdp(tampered.href, { jar });
			stack.idp.resetCounters();
			const res = await visit(jar, callbackUrl);
			// Without state: no transaction matches (no token request). Without nonce: the ID token lacks
			// the transaction's nonce. Without PKCE: the IdP refuses (PKCE is required), an error response.
			expectRejected(res, strip.includes('state') ? 'invalid_state' : strip.includes('nonce') ? 'invalid_token' : 'invalid_request');
			if (!strip.includes('nonce') || strip.includes('state')) expect(tokenCalls(stack)).toBe(0);
		}
		const { callbackUrl } = await pendingCallback(jar);
		expectSignedIn(await visit(jar, callbackUrl));
	});

	it('C4: duplicated state, code or iss is a 400 before the token request; the transaction is cleared', async () => {
		const jar = await browser();
		for (const name of ['state', 'code', 'iss']) {
			const { callbackUrl } = await pendingCallback(jar);
			const duplicated = new URL(callbackUrl);
			duplicated.searchParams.append(name, name === 'code' ? 'other' : callbackUrl.searchParams.get(name)!);
			const res = await visit(jar, duplicated);
			expect(res.status).toBe(400);
			expectNoSession(res);
			expectTransactionCleared(res, callbackUrl.searchParams.get('state')!);
			expect(tokenCalls(stack)).toBe(0);
		}
		const { callbackUrl } = await pendingCallback(jar);
		expectSignedIn(await visit(jar, callbackUrl));
	});

	it('C5: an authorization code injected into another flow fails PKCE at the token endpoint (invalid_grant)', async () => {
		const victim = await browser('victim');
		const attacker = await browser('attacker');
		const victimFlow = await pendingCallback(victim);
		const attackerFlow = await pendingCallback(attacker);
		const injected = new URL(victimFlow.callbackUrl);
		injected.searchParams.set('code', attackerFlow.callbackUrl.searchParams.get('code')!);
		stack.idp.resetCounters();
		expectRejected(await visit(victim, injected), 'invalid_grant');
		expect(tokenCalls(stack, 'authorization_code')).toBe(1);
		expect((await whoami(stack, victim)).body.user?.id).toBe('victim');
		// Each code in its own flow works (the attacker's code was spent by the injection attempt? no:
		// the IdP refused the verifier before redeeming it).
		const victimAgain = await pendingCallback(victim);
		expectSignedIn(await visit(victim, victimAgain.callbackUrl));
	});

	it('C6: every sign-in uses S256 and a fresh state, nonce and code challenge; transaction cookies are HttpOnly, Lax', async () => {
		const jar = new BrowserCookieJar();
		const seen = { state: new Set<string>(), nonce: new Set<string>(), challenge: new Set<string>() };
		for (let i = 0; i < 3; i++) {
			const res = await visit(jar, `${stack.app.url}${LOGIN}`);
			const url = new URL(res.headers.get('location')!);
			expect(url.searchParams.get('code_challenge_method')).toBe('S256');
			expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(url.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(43);
			seen.state.add(url.searchParams.get('state')!);
			seen.nonce.add(url.searchParams.get('nonce')!);
			seen.challenge.add(url.searchParams.get('code_challenge')!);
			const txn = res.headers.getSetCookie().find((c) => c.startsWith('__txn_'))!;
			expect(txn).toMatch(/HttpOnly/);
			expect(txn).toMatch(/SameSite=Lax/);
			expect(res.headers.get('cache-control')).toBe('no-store');
		}
		expect([seen.state.size, seen.nonce.size, seen.challenge.size]).toEqual([3, 3, 3]);
	});

	it('C7: an authorization response from another issuer (RFC 9207 iss) is rejected before the token request', async () => {
		const jar = await browser();
		const variants: [string, (url: URL) => URL][] = [
			['evil iss', (u) => (u.searchParams.set('iss', 'https://evil.example'), u)],
			['trailing slash', (u) => (u.searchParams.set('iss', `${stack.idp.issuer}/`), u)],
			['missing iss', (u) => (u.searchParams.delete('iss'), u)]
		];
		for (const [, rewrite] of variants) {
			stack.idp.misbehave = { onAuthorizationRedirect: rewrite };
			const { callbackUrl } = await pendingCallback(jar);
			stack.idp.misbehave = {};
			stack.idp.resetCounters();
			expectRejected(await visit(jar, callbackUrl), 'invalid_response');
			expect(tokenCalls(stack)).toBe(0);
		}
		// (d) an error response with a wrong iss is an iss mismatch, not the server's error.
		stack.idp.misbehave = {
			onAuthorizationRedirect: (u) => {
				const error = new URL(u.origin + u.pathname);
				error.searchParams.set('error', 'access_denied');
				error.searchParams.set('state', u.searchParams.get('state')!);
				error.searchParams.set('iss', 'https://evil.example');
				return error;
			}
		};
		const { callbackUrl } = await pendingCallback(jar);
		expectRejected(await visit(jar, callbackUrl), 'invalid_response');
		// The same error response with the right iss is surfaced with its fixed code.
		stack.idp.misbehave = {
			onAuthorizationRedirect: (u) => {
				const error = new URL(u.origin + u.pathname);
				error.searchParams.set('error', 'access_denied');
				error.searchParams.set('state', u.searchParams.get('state')!);
				error.searchParams.set('iss', stack.idp.issuer);
				return error;
			}
		};
		const denied = await pendingCallback(jar);
		expectRejected(await visit(jar, denied.callbackUrl), 'access_denied');
		stack.idp.misbehave = {};
		const ok = await pendingCallback(jar);
		expectSignedIn(await visit(jar, ok.callbackUrl));
		expect(tokenCalls(stack)).toBe(1);
	});

	it('C8: a transaction started with one client is not finished by an app configured for another', async () => {
		const other = await startApp({ ...stack.env, SSO_CLIENT_ID: 'demo-public', SSO_OIDC_PUBLIC: '1', ORIGIN: stack.app.url });
		try {
			const jar = await browser();
			const { callbackUrl } = await pendingCallback(jar);
			// Same host, so the browser sends the transaction cookie to both (cookies ignore ports).
			const elsewhere = new URL(callbackUrl.pathname + callbackUrl.search, other.url);
			expectRejected(await visit(jar, elsewhere), 'invalid_state');
			expect(tokenCalls(stack)).toBe(0);
			// The app the transaction belongs to finishes it... but the other app deleted its cookie (T5):
			// start again to show acceptance.
			const again = await pendingCallback(jar);
			expectSignedIn(await visit(jar, again.callbackUrl));
		} finally {
			await other.stop();
		}
	});

	it('C9: replaying a successful callback is rejected without a token request', async () => {
		const jar = await browser();
		const { callbackUrl } = await pendingCallback(jar);
		expectSignedIn(await visit(jar, callbackUrl));
		stack.idp.resetCounters();
		expectRejected(await visit(jar, callbackUrl), 'invalid_state');
		expect(tokenCalls(stack)).toBe(0);
	});

	it('C10: error and error_description are never reflected; a fixed code is used', async () => {
		const jar = await browser();
		await visit(jar, `${stack.app.url}${LOGIN}`);
		const start = await visit(jar, `${stack.app.url}${LOGIN}`);
		const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
		const url = new URL(`${stack.app.url}${CALLBACK}`);
		url.searchParams.set('error', '<script>alert(1)</script>');
		url.searchParams.set('error_description', '<img src=x onerror=alert(1)>');
		url.searchParams.set('state', state);
		url.searchParams.set('iss', stack.idp.issuer);
		const res = await visit(jar, url);
		expectRejected(res, 'server_error');
		expect(res.headers.get('location')).not.toMatch(/script|img|alert/i);
		expect(await res.text()).toBe('');
		expectTransactionCleared(res, state);
		expect(tokenCalls(stack)).toBe(0);
	});

	it('C11: malformed input answers 400 or a clean redirect, never 500', async () => {
		const jar = await browser();
		const { callbackUrl } = await pendingCallback(jar);
		const base = `${stack.app.url}${CALLBACK}`;
		const iss = encodeURIComponent(stack.idp.issuer);
		for (const query of [`code=x&state=%E0%A4%A&iss=${iss}`, `code=x&state=${'a'.repeat(10_000)}&iss=${iss}`, `state=${callbackUrl.searchParams.get('state')}&iss=${iss}`]) {
			const res = await fetch(`${base}?${query}`, { redirect: 'manual', headers: { cookie: jar.header(base) } });
			expect(res.status).toBe(400);
			expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
		}
		// A plain visit with no response parameter is the route's (the demo's /callback page), not a 500.
		expect((await fetch(base, { redirect: 'manual' })).status).toBeLessThan(500);
		const bad = await visit(jar, `${stack.app.url}${LOGIN}?returnTo=${encodeURIComponent('http://[::1')}`);
		expect(bad.status).toBe(303);
		expect(tokenCalls(stack)).toBe(0);
	});

	it('C12: token endpoint faults end in an error redirect with no session, the transaction consumed', async () => {
		const jar = await browser();
		const faults: [string, NonNullable<typeof stack.idp.misbehave.onTokenResponse>][] = [
			['server_error', (_b, ctx) => ((ctx.status = 500), { error: 'server_error' })],
			['invalid_response', (body) => void delete body.token_type],
			['invalid_response', (body) => void delete body.id_token],
			['invalid_response', (body) => void (body.access_token = 42)]
		];
		for (const [code, fault] of faults) {
			stack.idp.misbehave = { onTokenResponse: fault };
			const { callbackUrl } = await pendingCallback(jar);
			const res = await visit(jar, callbackUrl);
			expectRejected(res, code);
			expectTransactionCleared(res, callbackUrl.searchParams.get('state')!);
		}
		stack.idp.misbehave = {};
		const { callbackUrl } = await pendingCallback(jar);
		expectSignedIn(await visit(jar, callbackUrl));
	});

	it('C13: every returnTo bypass string lands on the app origin, "/"', async () => {
		const jar = await browser();
		const bypasses = [
			'//evil.com',
			'/\\evil.com',
			'/\t/evil.com',
			'/\n/evil.com',
			'\\/evil.com',
			'///evil.com',
			' //evil.com',
			'https://evil.com',
			`https://app@evil.com`,
			`${stack.app.url}.evil.com`,
			'javascript:alert(1)'
		];
		for (const returnTo of bypasses) {
			const { callbackUrl } = await pendingCallback(jar, returnTo);
			const res = await visit(jar, callbackUrl);
			expectSignedIn(res, '/');
		}
		const { callbackUrl } = await pendingCallback(jar, '/dashboard?x=1#top');
		expectSignedIn(await visit(jar, callbackUrl), '/dashboard?x=1#top');
	});

	it('C14: Host and X-Forwarded-* never reach the redirect_uri or any redirect', async () => {
		const url = new URL(`${stack.app.url}${LOGIN}?returnTo=/x`);
		const res = await new Promise<{ status: number; location: string }>((resolve, reject) => {
			const req = httpRequest(
				{
					host: '127.0.0.1',
					port: url.port,
					path: url.pathname + url.search,
					headers: { host: 'evil.com', 'x-forwarded-host': 'evil.com', 'x-forwarded-proto': 'http' }
				},
				(r) => {
					r.resume();
					resolve({ status: r.statusCode ?? 0, location: String(r.headers.location) });
				}
			);
			req.on('error', reject);
			req.end();
		});
		expect(res.status).toBe(303);
		const authorization = new URL(res.location);
		expect(authorization.searchParams.get('redirect_uri')).toBe(`${stack.app.url}${CALLBACK}`);
	});

	it('C15: the callback answers 303 to a clean URL with no-referrer and no-store and no body', async () => {
		const jar = await browser();
		const { callbackUrl } = await pendingCallback(jar, '/dashboard');
		const res = await visit(jar, callbackUrl);
		expectSignedIn(res, '/dashboard');
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(await res.text()).toBe('');
	});
});

describe('ID token and userinfo validation (I rows), with the IdP re-signing tampered ID tokens', () => {
	const now = () => Math.floor(Date.now() / 1000);
	const attacks: [string, (claims: Record<string, unknown>) => Record<string, unknown>][] = [
		['I1 nonce altered', (c) => ({ ...c, nonce: 'attacker-nonce' })],
		['I1 nonce absent', ({ nonce: _n, ...c }) => c],
		['I2 issuer mismatch', (c) => ({ ...c, iss: 'https://evil.example' })],
		['I3 other audience', (c) => ({ ...c, aud: 'other-client' })],
		['I3 audience absent', ({ aud: _a, ...c }) => c],
		['I3 extra untrusted audience', (c) => ({ ...c, aud: [c.aud as string, 'other-client'] })],
		['I3 extra audience with azp', (c) => ({ ...c, aud: [c.aud as string, 'other-client'], azp: c.aud })],
		['I3 wrong azp', (c) => ({ ...c, azp: 'other-client' })],
		['I4 sub absent', ({ sub: _s, ...c }) => c],
		['I4 iat absent', ({ iat: _i, ...c }) => c],
		['I4 exp in the past', (c) => ({ ...c, exp: now() - 3600 })],
		['I4 iat in the future', (c) => ({ ...c, iat: now() + 3600 })]
	];
	for (const [name, mutate] of attacks) {
		it(`${name}: rejected, no session, no userinfo call`, async () => {
			const jar = await browser();
			stack.idp.misbehave = { onTokenResponse: stack.idp.resignIdToken(mutate as never) };
			const { callbackUrl } = await pendingCallback(jar);
			const res = await visit(jar, callbackUrl);
			expectRejected(res, /^invalid_(token|response)$/);
			expect(stack.idp.counters.userinfo).toBe(0);
		});
	}

	it('I5 / I6: an unsigned (alg none) or differently-typed (PS256) ID token is rejected', async () => {
		const jar = await browser();
		// PS256: an algorithm the dev IdP does not advertise (it signs with RS256, and ES256 for its FAPI clients).
		for (const header of [{ alg: 'none' }, { alg: 'PS256', kid: 'x' }]) {
			stack.idp.misbehave = {
				onTokenResponse(body) {
					if (typeof body.id_token !== 'string') return;
					const [, payload] = body.id_token.split('.');
					body.id_token = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${header.alg === 'none' ? '' : 'AAAA'}`;
				}
			};
			const { callbackUrl } = await pendingCallback(jar);
			expectRejected(await visit(jar, callbackUrl), /^invalid_(token|response)$/);
		}
		expect(stack.idp.counters.userinfo).toBe(0);
	});

	it('without tampering the same flow signs in and calls userinfo once', async () => {
		const jar = await browser();
		stack.idp.misbehave = { onTokenResponse: stack.idp.resignIdToken((c) => c) };
		const { callbackUrl } = await pendingCallback(jar);
		expectSignedIn(await visit(jar, callbackUrl));
		expect(stack.idp.counters.userinfo).toBe(1);
	});

	it('I8: a discovery document naming another issuer is a configuration error: no sign-in starts', async () => {
		// An "issuer" whose discovery document is the dev IdP's, naming the dev IdP as issuer.
		const impostor = createServer((req, res) => {
			fetch(`${stack.idp.issuer}${req.url}`).then(async (upstream) => {
				res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
				res.end(await upstream.text());
			});
		});
		await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
		const issuer = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
		const other = await startApp({ ...stack.env, SSO_ISSUER: issuer });
		try {
			stack.idp.resetCounters();
			const res = await fetch(`${other.url}${LOGIN}`, { redirect: 'manual' });
			expect(res.status).toBe(303);
			expect(res.headers.get('location')).toBe('/login?error=invalid_response');
			expect(stack.idp.counters.authorizations).toBe(0);
			// The real issuer's own document starts a sign-in (the stack's app above).
			expect((await fetch(`${stack.app.url}${LOGIN}`, { redirect: 'manual' })).headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
		} finally {
			await other.stop();
			impostor.close();
		}
	});

	it('I10: userinfo naming another subject is rejected; no session', async () => {
		const jar = await browser();
		// The dev IdP's userinfo answers for the access token's subject; make the access token's
		// subject differ from the ID token's by re-signing the ID token for another sub.
		stack.idp.misbehave = { onTokenResponse: stack.idp.resignIdToken((c) => ({ ...c, sub: 'someone-else' })) };
		const { callbackUrl } = await pendingCallback(jar);
		const res = await visit(jar, callbackUrl);
		expectRejected(res, 'invalid_response');
		expect(stack.idp.counters.userinfo).toBe(1);
		expect(await openSession(sessionCookieHeader(stack, jar))).toMatchObject({ user: { id: 'victim' } });
	});
});
