import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../support/app-server.js';
import { cookieHeaderFrom, mergeCookies, startIdpAndApp } from '../support/handoff-env.js';

// A handoff whose verify answer carries a refresh token gets a refresh-token family from the app's
// createAuthHandle, so it refreshes (once, rotation-safe) like an OIDC sign-in; a handoff that
// replaces the browser's session revokes the previous family.
let env: Awaited<ReturnType<typeof startIdpAndApp>>;
beforeAll(async () => {
	env = await startIdpAndApp({ SSO_REFRESH_GRACE_MS: '0' }, { accessTokenTtl: 2, handoffTtlSeconds: 4 });
});
afterAll(() => env?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
async function handoff(cookie = '') {
	const state = `idp-state-refresh-${n++}-abcdefgh`;
	const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
	const res = await get(`${env.app.url}/?handoff_token=${encodeURIComponent(token)}&state=${state}`, cookie ? { cookie } : {});
	expect(res.status).toBe(303);
	expect(res.headers.get('location')).toBe('/');
	return cookie ? mergeCookies(cookie, res) : cookieHeaderFrom(res);
}
const whoami = async (cookie: string) => {
	const res = await get(`${env.app.url}/api/whoami`, { cookie });
	return { body: await res.json(), res };
};

describe('handoff sessions and refresh', () => {
	it('refreshes a handoff session with exactly one refresh_token grant when its access token runs out', async () => {
		const cookie = await handoff();
		env.idp.resetCounters();
		await sleep(1_500);
		const results = await Promise.all([1, 2, 3, 4, 5].map(() => whoami(cookie)));
		for (const r of results) expect(r.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(env.idp.counters.tokenGrants.refresh_token ?? 0).toBe(1);
		expect(results.some((r) => r.res.headers.getSetCookie().some((c) => c.startsWith('sso=') && !/Max-Age=0/.test(c)))).toBe(true);
	});

	it('a second handoff in the same browser revokes the first session family: a copied old cookie stops working', async () => {
		const first = await handoff();
		const second = await handoff(first);
		expect(second).not.toBe(first);
		await sleep(1_500);
		env.idp.resetCounters();
		const old = await whoami(first);
		expect(old.body.isAuthenticated).toBe(false);
		expect(env.idp.counters.tokenGrants.refresh_token ?? 0).toBe(0);
		const current = await whoami(second);
		expect(current.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
	});
});

describe('handoff token expiry', () => {
	it('refuses a handoff token after its lifetime with token_expired, and accepts a fresh one', async () => {
		const state = 'idp-state-expiry-0123456789';
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		// The dev IdP here mints handoff tokens for 4 s (long enough for a loaded CI machine to redeem
		// the others in this file in time).
		await sleep(4_200);
		const late = await get(`${env.app.url}/?handoff_token=${encodeURIComponent(token)}&state=${state}`);
		expect(late.headers.get('location')).toBe('/login?error=token_expired');
		expect(late.headers.getSetCookie().filter((c) => c.startsWith('sso=') && !/Max-Age=0/.test(c))).toEqual([]);
		const fresh = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const ok = await get(`${env.app.url}/?handoff_token=${encodeURIComponent(fresh)}&state=${state}`);
		expect(ok.headers.get('location')).toBe('/');
	});
});
