import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
	BrowserCookieJar,
	CALLBACK,
	fetchWithJar,
	introspect,
	LOGIN,
	LOGOUT,
	openSession,
	sessionCookieHeader,
	signIn,
	startOidcStack,
	tokenCalls,
	whoami,
	type OidcStack
} from '../support/oidc-stack.js';
import { signInAtIdp, signOutAtIdp } from '../support/idp-login.js';

let stack: OidcStack;
beforeAll(async () => {
	stack = await startOidcStack({ env: { SSO_FETCH_USERINFO: '1' } });
});
afterAll(() => stack?.stop());
beforeEach(() => stack.idp.resetCounters());

describe('OIDC sign-in and sign-out against the dev IdP (production build)', () => {
	it('signs in through the authorization code flow and lands on the returnTo with a session', async () => {
		const jar = new BrowserCookieJar();
		const { callback, authorizationUrl } = await signIn(stack, jar, { returnTo: '/dashboard?tab=keys', login: 'ada' });
		const auth = new URL(authorizationUrl);
		expect(auth.origin).toBe(stack.idp.issuer);
		expect(auth.searchParams.get('redirect_uri')).toBe(`${stack.app.url}${CALLBACK}`);
		expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
		expect(auth.searchParams.get('scope')).toBe('openid profile email offline_access');

		expect(callback.status).toBe(303);
		expect(callback.headers.get('location')).toBe('/dashboard?tab=keys');
		expect(callback.headers.get('cache-control')).toBe('no-store');
		expect(callback.headers.get('referrer-policy')).toBe('no-referrer');
		// The transaction cookie is deleted and the session cookie written, HttpOnly and SameSite=Lax.
		const setCookies = callback.headers.getSetCookie();
		expect(setCookies.some((c) => c.startsWith('__txn_') && /Max-Age=0/.test(c))).toBe(true);
		const session = setCookies.find((c) => c.startsWith('sso='));
		expect(session).toMatch(/HttpOnly/);
		expect(session).toMatch(/SameSite=Lax/);

		const who = await whoami(stack, jar);
		expect(who.body).toMatchObject({
			isAuthenticated: true,
			user: { id: 'ada', name: 'Ada', email: 'ada@example.test' },
			session: { source: 'oidc' },
			hasAccessToken: true
		});
		expect(tokenCalls(stack, 'authorization_code')).toBe(1);
		expect(stack.idp.counters.userinfo).toBe(1);

		const record = await openSession(sessionCookieHeader(stack, jar));
		expect(record).toMatchObject({ source: 'oidc', idp: { iss: stack.idp.issuer, sub: 'ada' }, family: { generation: 0 } });
		expect(record?.tokens?.refreshToken).toEqual(expect.any(String));
		expect(record?.tokens?.idToken).toEqual(expect.any(String));
		const dashboard = await fetchWithJar(jar, `${stack.app.url}/dashboard`);
		expect(dashboard.status).toBe(200);
	});

	it('signs two tabs in at once: each callback finishes its own transaction', async () => {
		const jar = new BrowserCookieJar();
		const one = await fetchWithJar(jar, `${stack.app.url}${LOGIN}?returnTo=/one`);
		const two = await fetchWithJar(jar, `${stack.app.url}${LOGIN}?returnTo=/two`);
		const stateOne = new URL(one.headers.get('location')!).searchParams.get('state');
		const stateTwo = new URL(two.headers.get('location')!).searchParams.get('state');
		expect(stateOne).not.toBe(stateTwo);
		// Tab 2 signs in first; tab 1 then rides the IdP session without a form.
		const cbTwo = (await signInAtIdp(two.headers.get('location')!, { login: 'bob', jar })).callbackUrl;
		const cbOne = (await signInAtIdp(one.headers.get('location')!, { login: 'bob', jar })).callbackUrl;
		const doneTwo = await fetchWithJar(jar, cbTwo);
		const doneOne = await fetchWithJar(jar, cbOne);
		expect([doneTwo.status, doneTwo.headers.get('location')]).toEqual([303, '/two']);
		expect([doneOne.status, doneOne.headers.get('location')]).toEqual([303, '/one']);
		expect((await whoami(stack, jar)).body).toMatchObject({ isAuthenticated: true, user: { id: 'bob' } });
		expect(tokenCalls(stack, 'authorization_code')).toBe(2);
	});

	it('signs out with a same-origin POST: session cleared, refresh token revoked at the IdP, RP-initiated logout', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'carol' });
		const record = await openSession(sessionCookieHeader(stack, jar));
		const refreshToken = record!.tokens!.refreshToken!;
		expect((await introspect(stack, refreshToken)).active).toBe(true);

		const out = await fetchWithJar(jar, `${stack.app.url}${LOGOUT}`, { method: 'POST', headers: { origin: stack.app.url } });
		expect(out.status).toBe(303);
		expect(out.headers.get('cache-control')).toBe('no-store');
		const target = new URL(out.headers.get('location')!);
		expect(target.origin + target.pathname).toBe(`${stack.idp.issuer}/session/end`);
		expect(target.searchParams.get('id_token_hint')).toBe(record!.tokens!.idToken);
		expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.app.url}/`);
		expect(target.searchParams.get('state')).toMatch(/^[\w-]{16,}$/);
		expect(out.headers.getSetCookie().some((c) => c.startsWith('sso=;') && /Max-Age=0/.test(c))).toBe(true);
		expect(stack.idp.counters.revocations).toBe(1);
		expect((await introspect(stack, refreshToken)).active).toBe(false);
		expect((await whoami(stack, jar)).body.isAuthenticated).toBe(false);

		// The IdP accepts the RP-initiated logout and returns to the registered post_logout_redirect_uri.
		const { redirectUrl } = await signOutAtIdp(target.href, { jar });
		expect(redirectUrl.startsWith(`${stack.app.url}/`)).toBe(true);
	});

	it('never signs out on GET, and refuses a cross-site or Origin-less POST (S9, S11)', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'dave' });
		const get = await fetchWithJar(jar, `${stack.app.url}${LOGOUT}`);
		expect(get.status).toBe(405);
		for (const headers of <Record<string, string>[]>[
			{ origin: 'https://evil.example', 'content-type': 'text/plain' },
			{ origin: 'https://evil.example', 'content-type': 'application/json' },
			{ 'content-type': 'application/json' },
			{ origin: stack.app.url, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }
		]) {
			const res = await fetchWithJar(jar, `${stack.app.url}${LOGOUT}?returnTo=//evil.com`, { method: 'POST', headers, body: '{}' });
			expect(res.status).toBe(403);
			expect(res.headers.getSetCookie()).toEqual([]);
		}
		expect((await whoami(stack, jar)).body.isAuthenticated).toBe(true);
		expect(stack.idp.counters.revocations).toBe(0);
		// The same request from the app's own page signs out.
		const ok = await fetchWithJar(jar, `${stack.app.url}${LOGOUT}?returnTo=//evil.com`, {
			method: 'POST',
			headers: { origin: stack.app.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
			body: '{}'
		});
		expect(ok.status).toBe(303);
		expect(new URL(ok.headers.get('location')!).origin).toBe(stack.idp.issuer);
		expect((await whoami(stack, jar)).body.isAuthenticated).toBe(false);
	});

	it('leaves a handoff_token on a callback path to the handoff handler', async () => {
		const res = await fetch(`${stack.app.url}${CALLBACK}?handoff_token=abc&state=s`, { redirect: 'manual' });
		// The demo's /callback load function (verifyHandoffToken) answers, not the OIDC callback.
		expect(res.status).toBeGreaterThanOrEqual(300);
		expect(res.headers.get('location') ?? '').not.toMatch(/error=invalid_state/);
		expect(tokenCalls(stack)).toBe(0);
	});
});
