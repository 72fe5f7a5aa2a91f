import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../support/app-server.js';
import { cookieHeaderFrom, startIdpAndApp } from '../support/handoff-env.js';

// createHandoffHandler mounted on its own (SSO_HOOKS=handoff-only: no createAuthHandle in the app):
// the handler resolves the session itself, so a handoff session is signed in on later requests and
// refreshes exactly once when its access token runs out, through the same runtime.
let env: Awaited<ReturnType<typeof startIdpAndApp>>;
beforeAll(async () => {
	env = await startIdpAndApp({ SSO_HOOKS: 'handoff-only', SSO_REFRESH_GRACE_MS: '0' }, { accessTokenTtl: 2 });
});
afterAll(() => env?.stop());

const whoami = async (cookie: string) => {
	const res = await get(`${env.app.url}/api/whoami`, { cookie });
	return { body: await res.json(), res };
};

/** Polls until `check` holds (the access token's lifetime passing), never a fixed sleep. */
async function until(check: () => boolean, timeoutMs = 15_000) {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not reached');
		await new Promise((r) => setTimeout(r, 50));
	}
}

describe('createHandoffHandler alone', () => {
	it('signs the handoff in, reads the session on later requests and refreshes it once when its access token runs out', async () => {
		const state = 'idp-state-alone-0123456789';
		const arrivedAt = Date.now();
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const arrival = await get(`${env.app.url}/?handoff_token=${encodeURIComponent(token)}&state=${state}`);
		expect(arrival.status).toBe(303);
		const cookie = cookieHeaderFrom(arrival);
		const signedIn = await whoami(cookie);
		expect(signedIn.body).toMatchObject({ isAuthenticated: true, user: { id: 'alice' }, hasAccessToken: true });

		// The access token lives 2 s; it is refreshed within half its lifetime of expiry.
		env.idp.resetCounters();
		await until(() => Date.now() > arrivedAt + 1_200);
		const results = await Promise.all([1, 2, 3, 4, 5].map(() => whoami(cookie)));
		for (const r of results) expect(r.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(env.idp.counters.tokenGrants.refresh_token ?? 0).toBe(1);
		expect(results.some((r) => r.res.headers.getSetCookie().some((c) => c.startsWith('sso=') && !/Max-Age=0/.test(c)))).toBe(true);
	});

	it('leaves a request without a session signed out', async () => {
		expect((await whoami('')).body).toMatchObject({ isAuthenticated: false, user: null });
	});
});
