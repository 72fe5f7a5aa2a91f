import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mintSessionCookie } from '../../src/lib/testing/session-minter.js';
import { get, TEST_SECRET } from '../support/app-server.js';
import { cookieHeaderFrom, cookiesSet, mergeCookies, startIdpAndApp } from '../support/handoff-env.js';

let env: Awaited<ReturnType<typeof startIdpAndApp>>;
beforeAll(async () => {
	env = await startIdpAndApp();
});
afterAll(() => env?.stop());
beforeEach(() => env.idp.resetCounters());

let n = 0;
const freshState = () => `idp-state-${Date.now()}-${n++}-abcdefgh`;
const mint = (sub = 'alice', state = freshState(), carryOverState?: Record<string, unknown>) =>
	env.idp.mintHandoff({ sub, clientId: 'demo', state, ...(carryOverState ? { carryOverState } : {}) }).then((token) => ({ token, state }));
const handoffUrl = (path: string, token: string, state: string, extra = '') =>
	`${env.app.url}${path}?handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}${extra}`;
const whoami = async (cookie: string) => (await get(`${env.app.url}/api/whoami`, { cookie })).json();

describe('Smart Handoff against the dev IdP over HTTP', () => {
	it('signs in with a 303 to the clean URL, keeping other parameters, with no-store and no-referrer (H1)', async () => {
		const { token, state } = await mint();
		const res = await get(handoffUrl('/dashboard', token, state, '&keep=1&x=a%20b'));
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/dashboard?keep=1&x=a%20b');
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
		expect(res.headers.get('cache-control')).toBe('no-store');
		const [session] = cookiesSet(res).filter((c) => c.startsWith('sso='));
		expect(session).toMatch(/HttpOnly/);
		expect(session).toMatch(/SameSite=Lax/);
		expect(session).toMatch(/Path=\//);
		expect(await res.text()).not.toContain(token);
		expect(env.idp.counters.verifyCalls).toBe(1);
		const me = await whoami(cookieHeaderFrom(res));
		expect(me).toMatchObject({ isAuthenticated: true, user: { id: 'alice', name: 'Alice' }, session: { source: 'handoff' }, hasAccessToken: true });
	});

	it('delivers carry-over state to the first request after the 303 only, byte for byte across the 2 KB claim-check boundary', async () => {
		for (const size of [2047, 2048, 2049]) {
			// Multi-byte UTF-8 and URL metacharacters: the exact byte count straddles the inline/claim-check split.
			const filler = 'é&#%'.repeat(size);
			const text = new TextEncoder().encode(filler).slice(0, size - 12);
			const value = new TextDecoder().decode(text).replace(/\uFFFD/g, '');
			const carry = { note: value };
			const { token, state } = await mint('carol', freshState(), carry);
			const res = await get(handoffUrl('/', token, state));
			expect(res.status).toBe(303);
			const cookie = cookieHeaderFrom(res);
			const first = await get(`${env.app.url}/api/whoami`, { cookie });
			expect((await first.json()).carryOverState).toEqual(carry);
			// the carry-over cookie is deleted on that first request
			const after = mergeCookies(cookie, first);
			expect((await whoami(after)).carryOverState).toBeNull();
		}
	});

	it('redirects a failed handoff to the error page without the token and writes no session (H2)', async () => {
		const res = await get(handoffUrl('/dashboard', 'not-a-real-token', freshState(), '&keep=1'));
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?error=invalid_token');
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
		expect(cookiesSet(res)).toEqual([]);
	});

	it('accepts a token exactly once, sequentially and concurrently (H4)', async () => {
		const { token, state } = await mint();
		const first = await get(handoffUrl('/', token, state));
		const second = await get(handoffUrl('/', token, state));
		expect(cookiesSet(first).length).toBeGreaterThan(0);
		expect(second.headers.get('location')).toBe('/login?error=invalid_token');
		expect(cookiesSet(second)).toEqual([]);

		const pair = await mint();
		const results = await Promise.all([1, 2, 3].map(() => get(handoffUrl('/', pair.token, pair.state))));
		const signedIn = results.filter((r) => cookiesSet(r).some((c) => c.startsWith('sso=')));
		expect(signedIn).toHaveLength(1);
	});

	it('refuses a token presented with another state, and accepts it with its own (binding at the verify endpoint)', async () => {
		const { token, state } = await mint();
		const wrong = await get(handoffUrl('/', token, freshState()));
		expect(wrong.headers.get('location')).toMatch(/^\/login\?error=/);
		expect(cookiesSet(wrong)).toEqual([]);
		const right = await get(handoffUrl('/', token, state));
		expect(cookiesSet(right).length).toBeGreaterThan(0);
	});

	it('refuses a token minted for another client', async () => {
		const state = freshState();
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo-public', state });
		const res = await get(handoffUrl('/', token, state));
		expect(res.headers.get('location')).toMatch(/^\/login\?error=/);
		expect(cookiesSet(res)).toEqual([]);
	});

	it('refuses a tampered token', async () => {
		const { token, state } = await mint();
		const tampered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
		const res = await get(handoffUrl('/', tampered, state));
		expect(res.headers.get('location')).toBe('/login?error=invalid_token');
		expect(cookiesSet(res)).toEqual([]);
		expect(cookiesSet(await get(handoffUrl('/', token, state))).length).toBeGreaterThan(0);
	});

	it('does not spend the token on HEAD or prefetch requests (H5)', async () => {
		const { token, state } = await mint();
		const head = await get(handoffUrl('/', token, state), {}, 'HEAD');
		expect(head.headers.getSetCookie()).toEqual([]);
		const prefetch = await get(handoffUrl('/', token, state), { 'sec-purpose': 'prefetch' });
		expect(prefetch.headers.getSetCookie()).toEqual([]);
		expect(env.idp.counters.verifyCalls).toBe(0);
		const real = await get(handoffUrl('/', token, state));
		expect(cookiesSet(real).length).toBeGreaterThan(0);
		expect(env.idp.counters.verifyCalls).toBe(1);
	});

	it('answers duplicate parameters and oversized tokens with invalid_request and no verify call (H7, H10)', async () => {
		const { token, state } = await mint();
		const dupToken = await get(`${env.app.url}/?handoff_token=${token}&handoff_token=${token}&state=${state}`);
		expect(dupToken.headers.get('location')).toBe('/login?error=invalid_request');
		const dupState = await get(`${env.app.url}/?handoff_token=${token}&state=${state}&state=${state}`);
		expect(dupState.headers.get('location')).toBe('/login?error=invalid_request');
		const big = await get(handoffUrl('/', 'x'.repeat(8 * 1024), state));
		expect(big.headers.get('location')).toBe('/login?error=invalid_request');
		const huge = await get(handoffUrl('/', 'x'.repeat(64 * 1024), state));
		expect([303, 414, 431]).toContain(huge.status);
		if (huge.status === 303) expect(huge.headers.get('location')).toBe('/login?error=invalid_request');
		expect(env.idp.counters.verifyCalls).toBe(0);
		// the same token, once and unduplicated, still works
		expect(cookiesSet(await get(handoffUrl('/', token, state))).length).toBeGreaterThan(0);
	});

	it('verifies only at the configured endpoint, whatever the request says (H9)', async () => {
		const { token, state } = await mint();
		const res = await get(handoffUrl('/', token, state, '&verify_url=https%3A%2F%2Fevil.example&iss=https%3A%2F%2Fevil.example'), {
			host: 'evil.example',
			'x-forwarded-host': 'evil.example'
		});
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/?verify_url=https%3A%2F%2Fevil.example&iss=https%3A%2F%2Fevil.example');
		expect(env.idp.counters.verifyCalls).toBe(1);
	});

	it('never replaces a signed-in user with another on an IdP-initiated handoff (H3 b)', async () => {
		const bob = await mintSessionCookie({ secret: TEST_SECRET, user: { id: 'bob', name: 'Bob' }, url: env.app.url });
		const { token, state } = await mint('alice');
		const res = await get(handoffUrl('/', token, state), { cookie: bob.cookieHeader });
		expect(res.headers.get('location')).toBe('/login?error=session_conflict');
		expect(cookiesSet(res).filter((c) => c.startsWith('sso='))).toEqual([]);
		expect((await whoami(bob.cookieHeader)).user.id).toBe('bob');
		// control: the same kind of handoff for the signed-in user refreshes the session
		const same = await mint('bob');
		const ok = await get(handoffUrl('/', same.token, same.state), { cookie: bob.cookieHeader });
		expect(ok.headers.get('location')).toBe('/');
	});

	it('issues a new session id on handoff, adopting nothing from a planted or duplicated cookie (H12)', async () => {
		const planted = await mintSessionCookie({ secret: TEST_SECRET, user: { id: 'alice', name: 'Alice' }, url: env.app.url });
		const plantedId = (await whoami(planted.cookieHeader)).session.id;
		const { token, state } = await mint('alice');
		const res = await get(handoffUrl('/', token, state), { cookie: planted.cookieHeader });
		const fresh = await whoami(mergeCookies(planted.cookieHeader, res));
		expect(fresh.isAuthenticated).toBe(true);
		expect(fresh.session.id).not.toBe(plantedId);
		expect(fresh.session.source).toBe('handoff');
		// A duplicated cookie reads as nobody's session and is never adopted: an IdP-initiated handoff
		// is refused in that browser (X2), an app-initiated one signs in with a fresh session id.
		const value = planted.cookieHeader.split('=').slice(1).join('=');
		const duplicated = `sso=${value}; sso=${value}`;
		const dup = await mint('alice');
		const refused = await get(handoffUrl('/', dup.token, dup.state), { cookie: duplicated });
		expect(refused.headers.get('location')).toBe('/login?error=session_conflict');
		const start = await get(`${env.app.url}/auth/handoff?returnTo=/`);
		const appState = new URL(start.headers.get('location')!).searchParams.get('state')!;
		const appToken = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state: appState });
		const res2 = await get(handoffUrl('/auth/handoff/callback', appToken, appState), { cookie: `${duplicated}; ${cookieHeaderFrom(start)}` });
		expect(res2.headers.get('location')).toBe('/');
		const fresh2 = await whoami(cookieHeaderFrom(res2));
		expect(fresh2.isAuthenticated).toBe(true);
		expect(fresh2.session.id).not.toBe(plantedId);
	});

	it('binds an app-initiated handoff to the browser that started it (H3 a)', async () => {
		const start = await get(`${env.app.url}/auth/handoff?returnTo=${encodeURIComponent('/dashboard?tab=1')}`);
		expect(start.status).toBe(303);
		const authorize = new URL(start.headers.get('location')!);
		expect(authorize.origin).toBe(env.idp.issuer);
		expect(authorize.searchParams.get('prompt')).toBe('none');
		expect(authorize.searchParams.get('handoff')).toBe('true');
		const state = authorize.searchParams.get('state')!;
		const browserA = cookieHeaderFrom(start);
		expect(browserA).toMatch(/__txn_/);
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const inB = await get(handoffUrl('/auth/handoff/callback', token, state));
		expect(inB.headers.get('location')).toBe('/login?error=invalid_state');
		expect(env.idp.counters.verifyCalls).toBe(0);
		const inA = await get(handoffUrl('/auth/handoff/callback', token, state), { cookie: browserA });
		expect(inA.status).toBe(303);
		expect(inA.headers.get('location')).toBe('/dashboard?tab=1');
		expect(inA.headers.getSetCookie().some((c) => /^__txn_.*Max-Age=0/.test(c))).toBe(true);
		expect((await whoami(cookieHeaderFrom(inA))).user.id).toBe('alice');
	});

	it('never lets an app-initiated returnTo leave the origin (H11)', async () => {
		for (const evil of ['//evil.com', '/\\evil.com', 'https://evil.com', '/\t/evil.com']) {
			const start = await get(`${env.app.url}/auth/handoff?returnTo=${encodeURIComponent(evil)}`);
			const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
			const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
			const done = await get(handoffUrl('/auth/handoff/callback', token, state), { cookie: cookieHeaderFrom(start) });
			expect(done.headers.get('location')).toBe('/');
		}
	});

	it("completes seed 001's manual /callback route: the hook redeems, the route sees a verified session", async () => {
		const { token, state } = await mint('dave');
		const first = await get(handoffUrl('/callback', token, state));
		expect(first.status).toBe(303);
		expect(first.headers.get('location')).toBe('/callback');
		const cookie = cookieHeaderFrom(first);
		const second = await get(`${env.app.url}/callback`, { cookie });
		expect(second.status).toBe(302);
		expect(second.headers.get('location')).toBe('/dashboard');
		const dashboard = await get(`${env.app.url}/dashboard`, { cookie: mergeCookies(cookie, second) });
		expect(dashboard.status).toBe(200);
		expect(await dashboard.text()).toContain('Dave');
		expect(env.idp.counters.verifyCalls).toBe(1);
	});

	it('a direct visit to the manual /callback route without a token goes to the login page', async () => {
		const res = await get(`${env.app.url}/callback`);
		expect(res.status).toBe(302);
		expect(res.headers.get('location')).toBe('/login?error=missing_token');
	});
});

describe('app-initiated handoff refused by the authorization server', () => {
	it('lands on the error page with login_required for its own transaction, spending it, and never reflects error_description', async () => {
		const start = await get(`${env.app.url}/auth/handoff?returnTo=/dashboard`);
		const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
		const cookie = cookieHeaderFrom(start);
		const refusal = `${env.app.url}/auth/handoff/callback?error=login_required&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}&iss=${encodeURIComponent(env.idp.issuer)}`;
		const res = await get(refusal, { cookie });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?error=login_required');
		expect(res.headers.getSetCookie().some((c) => c.includes(state) && /Max-Age=0/.test(c))).toBe(true);
		expect(await res.text()).not.toContain('script');
		// the same refusal in a browser without the transaction, or naming another issuer, is invalid_state
		expect((await get(refusal)).headers.get('location')).toBe('/login?error=invalid_state');
		const forged = refusal.replace(encodeURIComponent(env.idp.issuer), encodeURIComponent('https://evil.example'));
		expect((await get(forged, { cookie })).headers.get('location')).toBe('/login?error=invalid_state');
	});

	it('is what the dev IdP answers when the browser has no IdP session', async () => {
		const start = await get(`${env.app.url}/auth/handoff?returnTo=/dashboard`);
		const atIdp = await get(start.headers.get('location')!);
		const back = new URL(atIdp.headers.get('location')!);
		expect(back.pathname).toBe('/auth/handoff/callback');
		expect(back.searchParams.get('error')).toBe('login_required');
		const res = await get(back.href, { cookie: cookieHeaderFrom(start) });
		expect(res.headers.get('location')).toBe('/login?error=login_required');
	});
});
