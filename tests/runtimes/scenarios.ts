// The runtime scenarios: one list, run by every runtime's test file against its own server (started by
// that runtime's launcher, launchers/*.ts) and its own dev identity provider (oidc-provider with the
// package's handoff verify endpoint, dev/idp.ts, on this Node). Everything is HTTP on 127.0.0.1; the
// scenarios of one runtime build on each other in order (the OIDC user is refreshed, signed out, and
// signed in again by an app-initiated handoff riding the provider session).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../dev/idp.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../dev/clients.js';
import { freePort } from '../support/app-server.js';
import { until } from '../support/eventually.js';
import { BrowserCookieJar, fetchWithJar, signInAtIdp } from '../support/idp-login.js';
import type { AppEnv, RunningApp, RuntimeLauncher } from './launchers/process.js';

/** Access tokens live 2 s at the provider, so a refresh comes due within a scenario. */
const ACCESS_TOKEN_TTL_S = 2;

interface WhoAmI {
	runtime: { name: string; version: string | null };
	processEnvHasSecret: boolean;
	isAuthenticated: boolean;
	user: { id: string; name?: string } | null;
	session: { id: string; source: string } | null;
	accessToken: string | null;
}

/** The Set-Cookie lines of a response for cookie `name`. */
const setCookiesNamed = (res: Response, name: string) => res.headers.getSetCookie().filter((line) => line.startsWith(`${name}=`));

/** Registers the scenarios for one runtime; skipped, with the reason, where it could not be installed (never in CI). */
export function runtimeScenarios(launcher: RuntimeLauncher): void {
	const prepared = inject('runtimes');
	const unavailable = prepared.unavailable[launcher.name];
	if (unavailable) {
		describe.skip(`${launcher.title}: SKIPPED — ${unavailable.split('\n')[0]}`, () => {
			it('runs the scenarios', () => {});
		});
		return;
	}

	describe(`sveltekit-sso on ${launcher.title}`, () => {
		let idp: DevIdp;
		let app: RunningApp;
		let env: AppEnv;
		const timings: Record<string, number> = {};

		const get = (path: string, cookie?: string) => fetch(`${app.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
		const whoami = async (cookie: string | BrowserCookieJar): Promise<{ res: Response; body: WhoAmI }> => {
			const res = typeof cookie === 'string' ? await get('/api/whoami', cookie) : await fetchWithJar(cookie, `${app.url}/api/whoami`);
			expect(res.status, app.output()).toBe(200);
			return { res, body: (await res.json()) as WhoAmI };
		};
		// The OIDC user's browser: the app's cookies and the provider's, scoped by host as a browser does.
		const browser = new BrowserCookieJar();

		beforeAll(async () => {
			const port = await freePort();
			const origin = `http://127.0.0.1:${port}`;
			idp = await startDevIdp({ port: 0, appOrigin: origin, accessTokenTtl: ACCESS_TOKEN_TTL_S });
			env = { ORIGIN: origin, AUTH_SECRET: randomBytes(32).toString('base64url'), RT_ISSUER: idp.issuer, RT_CLIENT_SECRET: DEMO_CLIENT_SECRET };
			const started = Date.now();
			app = await launcher.start(prepared, port, env);
			timings.start = Date.now() - started;
		});
		afterAll(async () => {
			await app?.stop();
			await idp?.stop();
			console.log(`[runtimes] ${launcher.title}: ms ${JSON.stringify(timings)}`);
		});
		beforeEach(() => idp.resetCounters());

		it(`answers from ${launcher.expected.name}`, async () => {
			const { body } = await whoami('');
			expect(body.runtime.name).toBe(launcher.expected.name);
			if (launcher.expected.version) expect(body.runtime.version).toMatch(launcher.expected.version);
			// Only workerd without nodejs_compat keeps the variables out of process.env.
			expect(body.processEnvHasSecret).toBe(launcher.expected.name !== 'workerd');
			expect(body).toMatchObject({ isAuthenticated: false, user: null, session: null, accessToken: null });
		});

		it('sees a session minted by mintSessionCookie (sveltekit-sso/testing, from the packed package)', async () => {
			const testing = (await import(join(prepared.app, 'node_modules', 'sveltekit-sso', 'dist', 'testing', 'index.js'))) as typeof import('../../src/lib/testing/index.js');
			const { cookieHeader } = await testing.mintSessionCookie({ secret: env.AUTH_SECRET, user: { id: 'minted', name: 'Minted' }, url: app.url });
			const { body } = await whoami(cookieHeader);
			expect(body).toMatchObject({ isAuthenticated: true, user: { id: 'minted', name: 'Minted' }, session: { source: 'testing' } });
		});

		it('refuses a tampered session cookie and deletes it (the same cookie untampered is a session)', async () => {
			const testing = (await import(join(prepared.app, 'node_modules', 'sveltekit-sso', 'dist', 'testing', 'index.js'))) as typeof import('../../src/lib/testing/index.js');
			const { cookies } = await testing.mintSessionCookie({ secret: env.AUTH_SECRET, user: { id: 'victim' }, url: app.url });
			const value = cookies.sso;
			expect(value).toBeTypeOf('string');
			const i = Math.floor(value.length / 2);
			const tampered = `${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
			const refused = await whoami(`sso=${tampered}`);
			expect(refused.body).toMatchObject({ isAuthenticated: false, user: null });
			expect(setCookiesNamed(refused.res, 'sso').some((line) => /Max-Age=0/i.test(line)), refused.res.headers.getSetCookie().join('\n')).toBe(true);
			const accepted = await whoami(`sso=${value}`);
			expect(accepted.body).toMatchObject({ isAuthenticated: true, user: { id: 'victim' } });
			expect(setCookiesNamed(accepted.res, 'sso').filter((line) => /Max-Age=0/i.test(line))).toEqual([]);
		});

		it("signs in from an IdP-initiated Smart Handoff, redeemed at the provider's verify endpoint (sveltekit-sso/provider)", async () => {
			const state = `idp-${randomBytes(12).toString('base64url')}`;
			const token = await idp.mintHandoff({ sub: 'ida', clientId: DEMO_CLIENT_ID, state });
			const res = await get(`/?handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`);
			expect(res.status, app.output()).toBe(303);
			expect(res.headers.get('location'), app.output()).toBe('/');
			const cookie = res.headers
				.getSetCookie()
				.filter((line) => !/Max-Age=0/i.test(line))
				.map((line) => line.split(';')[0])
				.join('; ');
			expect(cookie).toMatch(/(^|; )sso=/);
			expect(idp.counters).toMatchObject({ verifyCalls: 1, verifySuccesses: 1 });
			const { body } = await whoami(cookie);
			expect(body).toMatchObject({ isAuthenticated: true, user: { id: 'ida', name: 'Ida' }, session: { source: 'handoff' } });
			expect(body.accessToken).toMatch(/^[0-9a-f]{16}$/);
		});

		it('signs in through OIDC (authorization code, PKCE) at oidc-provider', async () => {
			const login = await fetchWithJar(browser, `${app.url}/auth/login?returnTo=%2Fapi%2Fwhoami`);
			expect(login.status, app.output()).toBe(303);
			const authorization = login.headers.get('location')!;
			expect(new URL(authorization).origin).toBe(idp.issuer);
			const { callbackUrl } = await signInAtIdp(authorization, { login: 'olga', jar: browser });
			expect(new URL(callbackUrl).pathname).toBe('/auth/callback');
			const callback = await fetchWithJar(browser, callbackUrl);
			expect(callback.status, app.output()).toBe(303);
			expect(callback.headers.get('location'), app.output()).toBe('/api/whoami');
			expect(idp.counters.tokenGrants).toEqual({ authorization_code: 1 });
			const { body } = await whoami(browser);
			expect(body).toMatchObject({ isAuthenticated: true, user: { id: 'olga', name: 'Olga' }, session: { source: 'oidc' } });
			expect(body.accessToken).toMatch(/^[0-9a-f]{16}$/);
		});

		it('refreshes the OIDC session at oidc-provider when its access token runs out: one refresh_token grant, a new access token', async () => {
			const before = (await whoami(browser)).body.accessToken;
			expect(before).not.toBeNull();
			idp.resetCounters();
			let after: WhoAmI | undefined;
			await until(
				async () => {
					after = (await whoami(browser)).body;
					return after.accessToken !== before;
				},
				'the access token to be refreshed',
				{ timeoutMs: ACCESS_TOKEN_TTL_S * 1000 * 5, intervalMs: 100 }
			);
			expect(after).toMatchObject({ isAuthenticated: true, user: { id: 'olga' }, session: { source: 'oidc' } });
			expect(after!.accessToken).toMatch(/^[0-9a-f]{16}$/);
			expect(idp.counters.tokenGrants).toEqual({ refresh_token: 1 });
		});

		it("signs out with a same-origin POST: session cookie deleted, refresh token revoked, on to the provider's end_session", async () => {
			const out = await fetchWithJar(browser, `${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });
			expect(out.status, app.output()).toBe(303);
			const target = new URL(out.headers.get('location')!);
			expect(`${target.origin}${target.pathname}`).toBe(`${idp.issuer}/session/end`);
			expect(setCookiesNamed(out, 'sso').some((line) => /Max-Age=0/i.test(line))).toBe(true);
			expect(idp.counters.revocations).toBe(1);
			expect((await whoami(browser)).body).toMatchObject({ isAuthenticated: false, user: null });
		});

		it('signs in again from an app-initiated Smart Handoff that rides the provider session, end to end', async () => {
			// The browser still has its provider session (the end_session redirect above was not followed).
			const start = await fetchWithJar(browser, `${app.url}/auth/handoff?returnTo=%2Fapi%2Fwhoami`);
			expect(start.status, app.output()).toBe(303);
			const authorize = new URL(start.headers.get('location')!);
			expect(authorize.origin).toBe(idp.issuer);
			expect(authorize.searchParams.get('handoff')).toBe('true');
			const back = await fetchWithJar(browser, authorize.href);
			expect(back.status).toBe(303);
			const callback = new URL(back.headers.get('location')!);
			expect(`${callback.origin}${callback.pathname}`).toBe(`${app.url}/auth/handoff/callback`);
			expect(callback.searchParams.get('handoff_token')).toBeTruthy();
			const done = await fetchWithJar(browser, callback.href);
			expect(done.status, app.output()).toBe(303);
			expect(done.headers.get('location'), app.output()).toBe('/api/whoami');
			expect(idp.counters).toMatchObject({ handoffAuthorizations: 1, handoffsMinted: 1, verifyCalls: 1, verifySuccesses: 1 });
			const { body } = await whoami(browser);
			expect(body).toMatchObject({ isAuthenticated: true, user: { id: 'olga' }, session: { source: 'handoff' } });
		});
	});

	// The package's fallbacks, AUTH_SECRET and ORIGIN, read from process.env: the same app with
	// RT_IMPLICIT_ENV=1 gives neither option. Where process.env has them it runs as before; on workerd
	// without nodejs_compat it cannot start, and the error must say to pass the options, not to set
	// variables the Worker already has.
	describe(`sveltekit-sso on ${launcher.title}, without secret and origin passed`, () => {
		let idp: DevIdp;
		let app: RunningApp;
		let env: AppEnv;
		beforeAll(async () => {
			const port = await freePort();
			const origin = `http://127.0.0.1:${port}`;
			idp = await startDevIdp({ port: 0, appOrigin: origin });
			env = { ORIGIN: origin, AUTH_SECRET: randomBytes(32).toString('base64url'), RT_ISSUER: idp.issuer, RT_CLIENT_SECRET: DEMO_CLIENT_SECRET, RT_IMPLICIT_ENV: '1' };
			app = await launcher.start(prepared, port, env);
		});
		afterAll(async () => {
			await app?.stop();
			await idp?.stop();
		});

		if (launcher.expected.name === 'workerd') {
			it('answers 500 and says to pass options.secret, because this runtime has no process.env (not "set AUTH_SECRET")', async () => {
				const res = await fetch(`${app.url}/api/whoami`, { redirect: 'manual' });
				expect(res.status).toBe(500);
				await until(() => /options\.secret/.test(app.output()), 'the startup error in the log');
				const log = app.output();
				expect(log).toMatch(/no process\.env[^\n]*pass options\.secret explicitly/);
				expect(log).not.toMatch(/or set AUTH_SECRET|or set ORIGIN/);
			});
		} else {
			it('reads AUTH_SECRET and ORIGIN from process.env: a minted session is seen, sign-in and app-initiated handoffs redirect with the ORIGIN', async () => {
				const testing = (await import(join(prepared.app, 'node_modules', 'sveltekit-sso', 'dist', 'testing', 'index.js'))) as typeof import('../../src/lib/testing/index.js');
				const { cookieHeader } = await testing.mintSessionCookie({ secret: env.AUTH_SECRET, user: { id: 'implicit' }, url: app.url });
				const res = await fetch(`${app.url}/api/whoami`, { headers: { cookie: cookieHeader } });
				expect(res.status, app.output()).toBe(200);
				expect(await res.json()).toMatchObject({ isAuthenticated: true, user: { id: 'implicit' } });
				const login = await fetch(`${app.url}/auth/login`, { redirect: 'manual' });
				expect(login.status).toBe(303);
				expect(new URL(login.headers.get('location')!).searchParams.get('redirect_uri')).toBe(`${env.ORIGIN}/auth/callback`);
				// createHandoffHandler reads ORIGIN as createAuthHandle does: app-initiated handoffs are on.
				const handoff = await fetch(`${app.url}/auth/handoff?returnTo=%2F`, { redirect: 'manual' });
				expect(handoff.status, app.output()).toBe(303);
				expect(new URL(handoff.headers.get('location')!).searchParams.get('redirect_uri')).toBe(`${env.ORIGIN}/auth/handoff/callback`);
			});
		}
	});
}
