import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSessionCookie } from '../../src/lib/testing/session-minter.js';
import { get, startApp, TEST_SECRET, type RunningApp } from '../support/app-server.js';

let app: RunningApp;
beforeAll(async () => {
	app = await startApp();
});
afterAll(() => app?.stop());

const mint = (user = { id: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com' }) =>
	mintSessionCookie({ secret: TEST_SECRET, user, url: app.url });

describe('createAuthHandle over HTTP against a production build', () => {
	it('shows a minted session in locals.auth and on the protected dashboard', async () => {
		const { cookieHeader } = await mint();
		const who = await (await get(`${app.url}/api/whoami`, { cookie: cookieHeader })).json();
		expect(who).toMatchObject({ isAuthenticated: true, user: { id: 'u-1', name: 'Ada Lovelace' }, session: { source: 'testing' } });
		const page = await get(`${app.url}/dashboard`, { cookie: cookieHeader });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Ada Lovelace');
	});

	it('answers a request without a session as signed out, with no Set-Cookie', async () => {
		const res = await get(`${app.url}/api/whoami`);
		expect(await res.json()).toMatchObject({ isAuthenticated: false, user: null, session: null });
		expect(res.headers.getSetCookie()).toEqual([]);
	});

	it('signs out a request with a tampered cookie and deletes the cookie, never answering 500', async () => {
		const { cookies } = await mint();
		const [name, value] = Object.entries(cookies)[0];
		const tampered = `${name}=${value.slice(0, -4)}AAAA`;
		const res = await get(`${app.url}/api/whoami`, { cookie: tampered });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ isAuthenticated: false });
		const deletion = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=;`));
		expect(deletion).toMatch(/Max-Age=0/);
		expect(res.headers.get('cache-control')).toBe('no-store');
		for (const garbage of ['%E0%A4%A', 'x'.repeat(10_000), 'a.b.c.d.e', '']) {
			const r = await get(`${app.url}/api/whoami`, { cookie: `${name}=${garbage}` });
			expect(r.status).toBe(200);
			expect((await r.json()).isAuthenticated).toBe(false);
		}
	});

	it('redirects a signed-out visitor of a protected page to /login with redirectTo', async () => {
		const res = await get(`${app.url}/dashboard?tab=keys`);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?redirectTo=%2Fdashboard%3Ftab%3Dkeys');
		const { cookieHeader } = await mint();
		expect((await get(`${app.url}/dashboard?tab=keys`, { cookie: cookieHeader })).status).toBe(200);
	});

	it('keeps one-time values (code, state) out of redirectTo, and every other parameter in', async () => {
		const res = await get(`${app.url}/dashboard?code=SECRET-CODE&state=s1&tab=2`);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?redirectTo=%2Fdashboard%3Ftab%3D2');
	});

	it('never turns a protocol-relative request path into a protocol-relative redirectTo', async () => {
		const res = await fetch(`${app.url}//evil.example/dashboard`, { redirect: 'manual' });
		const location = res.headers.get('location') ?? '';
		expect(location.startsWith('//')).toBe(false);
	});

	it('rejects a session sealed with another secret', async () => {
		const foreign = await mintSessionCookie({ secret: 'another-secret-another-secret-another-1', user: { id: 'eve' }, url: app.url });
		const res = await get(`${app.url}/api/whoami`, { cookie: foreign.cookieHeader });
		expect((await res.json()).isAuthenticated).toBe(false);
	});
});
