import type { RequestEvent } from '@sveltejs/kit';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createAuthHandle, type AuthHandleOptions } from '../../../src/lib/server/auth-handle.js';
import type { ServerAuthContext, SignedInAuth } from '../../../src/lib/types.js';
import { mintSessionCookie } from '../../../src/lib/testing/session-minter.js';
import type { AuthErrorInfo } from '../../../src/lib/server/http/error-reporter.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../src/lib/stores/memory-refresh-token-family-store.js';
import { RefreshTokenStorageError, type RefreshTokenFamilyStore } from '../../../src/lib/stores/refresh-token-family-store.js';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../../src/lib/cookies/session-cookie.js';
import { DEFAULTS } from '../../../src/lib/defaults.js';
import { CookieJar } from '../../support/kit-cookies.js';
import { createFakeAs, fakeEvent, type FakeAs } from '../../support/oidc-fake-as.js';
import { TEST_SECRET } from '../../support/fake-event.js';

const APP = 'https://app.example';
const SECRET = TEST_SECRET;
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

type Options = Partial<AuthHandleOptions>;

async function setup(options: Options & { as?: FakeAs } = {}) {
	const { as: givenAs, ...rest } = options;
	const as = givenAs ?? (await createFakeAs({ clientId: 'app' }));
	const errors: AuthErrorInfo[] = [];
	const clock = { now: Date.now() };
	// The server's clock moves with the app's: the ID tokens it mints are checked on the app's clock.
	as.now = () => clock.now;
	const store = (rest.familyStore as RefreshTokenFamilyStore | undefined) ?? new InMemoryRefreshTokenFamilyStore({ clock: () => clock.now });
	const handle = createAuthHandle({
		issuer: as.issuer,
		clientId: 'app',
		clientSecret: 'app-secret',
		origin: APP,
		secret: SECRET,
		fetch: as.fetch,
		timeoutMs: 300,
		refreshLeaseMs: 1_000,
		clock: () => clock.now,
		onError: (info) => errors.push(info),
		...rest,
		familyStore: store
	});
	const jar = new CookieJar();
	async function call(path: string, init: RequestInit = {}, resolve?: (event: RequestEvent) => Response | Promise<Response>) {
		const { event, kit } = fakeEvent(`${APP}${path}`, { ...init, cookie: jar.header() });
		const response = await handle({ event, resolve: async (e) => (resolve ? resolve(e) : new Response('page')) });
		const setCookies = [...response.headers.getSetCookie(), ...kit.setCookies()];
		jar.apply(setCookies);
		return { response, setCookies, auth: (event.locals as { auth?: ServerAuthContext }).auth, event };
	}
	async function signIn(returnTo = '/dashboard') {
		const login = await call(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
		const location = new URL(login.response.headers.get('location')!);
		const code = as.issueCode(location.href);
		const query = new URLSearchParams({ code, state: location.searchParams.get('state')!, iss: as.issuer });
		return { login, location, callback: await call(`/auth/callback?${query}`) };
	}
	return { as, handle, jar, call, signIn, errors, clock, store };
}

const sessionWritten = (setCookies: string[]) => setCookies.some((c) => c.startsWith('__Host-sso=') && !/Max-Age=0/.test(c));

/** The session record a jar holds (whole or chunked `__Host-sso`), opened with the test secret. */
async function sessionIn(jar: CookieJar, now: number): Promise<SessionRecord | null> {
	const whole = jar.values.get('__Host-sso');
	const chunks = [...jar.values].filter(([name]) => /^__Host-sso\.\d+$/.test(name)).sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
	const value = whole ?? chunks.map(([, v]) => v).join('');
	if (!value) return null;
	const opened = await createSealer({ secrets: [SECRET], purpose: 'session', clock: () => now }).open<{ s: SessionRecord }>(value);
	return opened?.payload.s ?? null;
}

describe('sign-in and callback through the hook', () => {
	it('signs in: 303 to the authorization endpoint, then the callback writes a session and returns to returnTo', async () => {
		const { signIn, call, as } = await setup({ authorizationParams: { ui_locales: 'de' }, prompt: 'login' });
		const { location, callback } = await signIn('/dashboard?x=1');
		expect(location.origin + location.pathname).toBe(`${as.issuer}/authorize`);
		expect(Object.fromEntries(location.searchParams)).toMatchObject({
			client_id: 'app',
			redirect_uri: `${APP}/auth/callback`,
			response_type: 'code',
			scope: 'openid profile email offline_access',
			code_challenge_method: 'S256',
			ui_locales: 'de',
			prompt: 'login'
		});
		expect(callback.response.status).toBe(303);
		expect(callback.response.headers.get('location')).toBe('/dashboard?x=1');
		expect(sessionWritten(callback.setCookies)).toBe(true);
		const page = await call('/dashboard');
		expect(page.auth).toMatchObject({ isAuthenticated: true, user: { id: 'alice' }, session: { source: 'oidc' } });
		expect(await (page.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toMatch(/^at-/);
	});

	it('answers only GET (and HEAD, without side effects) on the login path', async () => {
		const { call } = await setup();
		expect((await call('/auth/login', { method: 'POST' })).response.status).toBe(405);
		const head = await call('/auth/login', { method: 'HEAD' });
		expect(head.response.status).toBe(200);
		expect(head.setCookies).toEqual([]);
	});

	it('forwards prompt and login_hint from the login query, and only well-formed ones', async () => {
		const { call } = await setup();
		const ok = new URL((await call('/auth/login?prompt=select_account&login_hint=ada%40example.com')).response.headers.get('location')!);
		expect([ok.searchParams.get('prompt'), ok.searchParams.get('login_hint')]).toEqual(['select_account', 'ada@example.com']);
		const bad = new URL((await call('/auth/login?prompt=evil&login_hint=%0Aevil')).response.headers.get('location')!);
		expect([bad.searchParams.get('prompt'), bad.searchParams.get('login_hint')]).toEqual([null, null]);
	});

	it('forwards a step-up acr_values and max_age from the login query, but never lets a link replace a configured acr_values', async () => {
		const plain = await setup();
		const asked = new URL((await plain.call('/auth/login?acr_values=urn%3Amfa%20urn%3Ahwk&max_age=30')).response.headers.get('location')!);
		expect([asked.searchParams.get('acr_values'), asked.searchParams.get('max_age')]).toEqual(['urn:mfa urn:hwk', '30']);
		const malformed = new URL((await plain.call('/auth/login?acr_values=%0Aevil&max_age=-1')).response.headers.get('location')!);
		expect([malformed.searchParams.get('acr_values'), malformed.searchParams.get('max_age')]).toEqual([null, null]);
		// The app's own level, and the tighter of two max_age values.
		const configured = await setup({ authorizationParams: { acr_values: 'urn:mfa' }, maxAge: 600 });
		const link = new URL((await configured.call('/auth/login?acr_values=urn%3Aweak&max_age=6000')).response.headers.get('location')!);
		expect([link.searchParams.get('acr_values'), link.searchParams.get('max_age')]).toEqual(['urn:mfa', '600']);
	});

	it('C12: an HTML body or a hang at the token endpoint ends in an error redirect, no session, transaction cleared', async () => {
		for (const [fault, code] of [
			[(as: FakeAs) => as.tokenResponses.push(() => new Response('<html>oops</html>', { status: 500, headers: { 'content-type': 'text/html' } })), 'server_error'],
			[(as: FakeAs) => as.tokenResponses.push(() => new Response('<html>ok?</html>', { status: 200, headers: { 'content-type': 'text/html' } })), 'invalid_response'],
			[(as: FakeAs) => (as.tokenDelayMs = 2_000), 'timeout']
		] as const) {
			const { signIn, as } = await setup();
			fault(as);
			const { callback, location } = await signIn();
			expect(callback.response.status).toBe(303);
			expect(callback.response.headers.get('location')).toBe(`/login?error=${code}`);
			expect(sessionWritten(callback.setCookies)).toBe(false);
			expect(callback.setCookies.filter((c) => c.includes(`txn_${location.searchParams.get('state')}=;`) && /Max-Age=0/.test(c))).toHaveLength(1);
		}
	});

	it('never hands a token to onError: a 200 token answer without token_type reaches the logger without its body', async () => {
		const { signIn, as, errors } = await setup();
		const secretTokens = { access_token: 'at-LEAK-CHECK-1', refresh_token: 'rt-LEAK-CHECK-2', id_token: 'x.y.z' };
		as.tokenResponses.push(() => Response.json(secretTokens));
		const { callback } = await signIn();
		expect(callback.response.headers.get('location')).toMatch(/^\/login\?error=/);
		expect(errors.length).toBeGreaterThan(0);
		const logged = JSON.stringify(errors, (_k, v) => (v instanceof Error ? { ...v, message: v.message, cause: v.cause } : v));
		expect(logged).not.toContain('LEAK-CHECK');
		// control: the logger is told what failed
		expect(logged).toMatch(/token_type/);
	});

	it('lets only the first of two concurrent deliveries of one callback reach the token endpoint (C9)', async () => {
		const { call, as } = await setup();
		const login = await call('/auth/login');
		const location = new URL(login.response.headers.get('location')!);
		const query = new URLSearchParams({ code: as.issueCode(location.href), state: location.searchParams.get('state')!, iss: as.issuer });
		const [first, second] = await Promise.all([call(`/auth/callback?${query}`), call(`/auth/callback?${query}`)]);
		const locations = [first, second].map((r) => r.response.headers.get('location'));
		expect(locations).toContain('/');
		expect(locations).toContain('/login?error=invalid_state');
		expect(as.calls.token).toBe(1);
	});

	it('refuses a response delivered to another callback path than the redirect_uri it was requested with', async () => {
		const { call, as } = await setup({ callbackPaths: ['/auth/callback', '/alt/callback'] });
		const login = await call('/auth/login');
		const location = new URL(login.response.headers.get('location')!);
		expect(location.searchParams.get('redirect_uri')).toBe(`${APP}/auth/callback`);
		const query = new URLSearchParams({ code: as.issueCode(location.href), state: location.searchParams.get('state')!, iss: as.issuer });
		const elsewhere = await call(`/alt/callback?${query}`);
		expect(elsewhere.response.headers.get('location')).toBe('/login?error=invalid_state');
		expect(as.calls.token).toBe(0);
	});

	it('leaves a handoff on a callback path, and a plain visit, to resolve()', async () => {
		const { call, as } = await setup();
		for (const path of ['/auth/callback?handoff_token=t&state=s', '/auth/callback']) {
			const res = await call(path);
			expect(await res.response.text()).toBe('page');
		}
		expect(as.calls.token).toBe(0);
	});
});

describe('sign-out through the hook', () => {
	it('revokes the refresh token and the family, clears the cookie and goes to end_session with id_token_hint', async () => {
		let revoked = 0;
		const inner = new InMemoryRefreshTokenFamilyStore();
		const watching: RefreshTokenFamilyStore = {
			kind: 'watching',
			findFamily: (id) => inner.findFamily(id),
			registerFamily: (f) => inner.registerFamily(f),
			updateFamily: async (id, updater) => {
				const result = await inner.updateFamily(id, updater);
				if (result.outcome === 'committed' && result.family.revokedAtMs !== null) revoked++;
				return result;
			}
		};
		const { signIn, call, as } = await setup({ familyStore: watching });
		await signIn();
		const out = await call('/auth/logout', { method: 'POST', headers: { origin: APP } });
		expect(out.response.status).toBe(303);
		const target = new URL(out.response.headers.get('location')!);
		expect(target.origin + target.pathname).toBe(`${as.issuer}/logout`);
		expect(target.searchParams.get('id_token_hint')).toMatch(/^ey/);
		expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`);
		expect(as.calls.revocation).toBe(1);
		expect(revoked).toBe(1);
		expect(out.setCookies.some((c) => c.startsWith('__Host-sso=;') && /Max-Age=0/.test(c))).toBe(true);
		expect((await call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('ends a copied cookie at once on the instance that signed out, though it was cached as signed in (S10)', async () => {
		const { signIn, call, jar } = await setup();
		await signIn();
		const copy = jar.header();
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
		await call('/auth/logout', { method: 'POST', headers: { origin: APP } });
		// The browser dropped its cookie; an attacker replays the copy.
		for (const [name, value] of copy.split('; ').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) jar.values.set(name, value);
		expect((await call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('refuses GET (405) and a POST from another origin or without Origin (403) without touching anything', async () => {
		const { signIn, call, as } = await setup();
		await signIn();
		expect((await call('/auth/logout')).response.status).toBe(405);
		expect((await call('/auth/logout', { method: 'POST', headers: { origin: 'https://evil.example' } })).response.status).toBe(403);
		expect((await call('/auth/logout', { method: 'POST' })).response.status).toBe(403);
		expect(as.calls.revocation).toBe(0);
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
	});
});

describe('the session path: hot path, checks and refresh', () => {
	it('answers an unchanged cookie with the same frozen value and no store call between checks', async () => {
		let reads = 0;
		const inner = new InMemoryRefreshTokenFamilyStore();
		const counting: RefreshTokenFamilyStore = {
			kind: 'counting',
			findFamily: (id) => (reads++, inner.findFamily(id)),
			registerFamily: (f) => inner.registerFamily(f),
			updateFamily: (id, u) => inner.updateFamily(id, u)
		};
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 3600 });
		const { signIn, call } = await setup({ as, familyStore: counting });
		await signIn();
		await call('/');
		const checks = reads;
		expect(checks).toBeGreaterThan(0);
		const second = await call('/');
		const third = await call('/');
		expect(reads).toBe(checks);
		expect(second.auth).toBe(third.auth);
		expect(Object.isFrozen(second.auth)).toBe(true);
	});

	it('serves a cookie re-sealed on the rolling interval from the cache on its next request; the check interval keeps counting from the last check', async () => {
		let reads = 0;
		const inner = new InMemoryRefreshTokenFamilyStore();
		const counting: RefreshTokenFamilyStore = {
			kind: 'counting',
			findFamily: (id) => (reads++, inner.findFamily(id)),
			registerFamily: (f) => inner.registerFamily(f),
			updateFamily: (id, u) => inner.updateFamily(id, u)
		};
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 3600 });
		const interval = DEFAULTS.refresh.sessionCheckIntervalMs;
		const { signIn, call, clock } = await setup({ as, familyStore: counting, sessionOptions: { rollingInterval: Math.floor(interval / 4000) } });
		await signIn();
		const checkedAt = clock.now;
		const before = reads;
		await call('/');
		const checks = reads;
		const perCheck = checks - before;
		expect(perCheck).toBeGreaterThan(0);
		clock.now = checkedAt + interval / 2;
		const rolled = await call('/');
		expect(sessionWritten(rolled.setCookies)).toBe(true);
		// The browser's next request carries the new cookie: the same frozen value, no store call, no write.
		const next = await call('/');
		const again = await call('/');
		expect(reads).toBe(checks);
		expect(sessionWritten(next.setCookies)).toBe(false);
		expect(next.auth).toBe(again.auth);
		expect(next.auth?.session?.expiresAt).toBeGreaterThan(rolled.auth!.session!.expiresAt - 1);
		// The re-seal postponed no check: one interval after the last check, the store is asked again.
		clock.now = checkedAt + interval + 1;
		await call('/');
		expect(reads).toBe(checks + perCheck);
	});

	it('gives a cookie that is due for a re-seal, sent again before the browser stored its successor, the same successor: sealed once, until that one is due itself', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 3600 });
		const { signIn, call, jar, clock } = await setup({ as, sessionOptions: { rollingInterval: 10 } });
		await signIn();
		const old = jar.values.get('__Host-sso')!;
		// The old value again: a request sent before the browser stored the new cookie, or a replay.
		const withOld = () => {
			jar.values.set('__Host-sso', old);
			return call('/');
		};
		clock.now += 11_000;
		const first = await withOld();
		expect(sessionWritten(first.setCookies)).toBe(true);
		const successor = jar.values.get('__Host-sso');
		expect(successor).not.toBe(old);
		const resealedAt = clock.now;
		expect((await sessionIn(jar, clock.now))?.touchedAt).toBe(resealedAt);

		clock.now += 2_000;
		const second = await withOld();
		expect(sessionWritten(second.setCookies)).toBe(true);
		expect(jar.values.get('__Host-sso')).toBe(successor);
		expect(second.auth).toMatchObject({ isAuthenticated: true, user: { id: 'alice' } });
		expect(second.auth?.session?.expiresAt).toBe(first.auth?.session?.expiresAt);

		// Once the successor is due itself, the old value is re-sealed anew.
		clock.now = resealedAt + 11_000;
		const third = await withOld();
		expect(sessionWritten(third.setCookies)).toBe(true);
		expect(jar.values.get('__Host-sso')).not.toBe(successor);
		expect((await sessionIn(jar, clock.now))?.touchedAt).toBe(clock.now);
	});

	it('gives every session without tokens no access token and a locals.auth.fetch that refuses with login_required, while a session with tokens calls with its own', async () => {
		const as = await createFakeAs({ clientId: 'app' });
		const calls: string[] = [];
		const api = async (url: string | URL | Request, init?: RequestInit) => {
			if (!String(url).startsWith('https://api.example/')) return as.fetch(url, init);
			calls.push(`${url} ${new Headers(init?.headers).get('authorization')}`);
			return new Response('ok');
		};
		const { call, jar, clock } = await setup({ as, fetch: api as typeof fetch });
		const tokenless = await mintSessionCookie({ secret: SECRET, url: APP, user: { id: 'u1' }, clock: () => clock.now });
		const withTokens = await mintSessionCookie({
			secret: SECRET,
			url: APP,
			user: { id: 'u2' },
			clock: () => clock.now,
			tokens: { accessToken: 'at-u2', tokenType: 'Bearer', expiresAt: clock.now + 3_600_000 }
		});
		const authOf = async (cookies: Record<string, string>) => {
			jar.values.clear();
			for (const [name, value] of Object.entries(cookies)) jar.values.set(name, value);
			return (await call('/')).auth as SignedInAuth;
		};
		for (const cookies of [tokenless.cookies, (await mintSessionCookie({ secret: SECRET, url: APP, user: { id: 'u3' }, clock: () => clock.now })).cookies]) {
			const auth = await authOf(cookies);
			expect(auth.isAuthenticated).toBe(true);
			expect(await auth.getAccessToken()).toBeNull();
			await expect(auth.fetch('https://api.example/x')).rejects.toMatchObject({ code: 'login_required' });
		}
		const signedIn = await authOf(withTokens.cookies);
		expect(await signedIn.getAccessToken()).toBe('at-u2');
		expect((await signedIn.fetch('https://api.example/x')).status).toBe(200);
		expect(calls).toEqual(['https://api.example/x Bearer at-u2']);
	});

	it('fails closed when the store is down at a session check: signed out, cookie kept (R6)', async () => {
		let down = false;
		const inner = new InMemoryRefreshTokenFamilyStore();
		const flaky: RefreshTokenFamilyStore = {
			kind: 'flaky',
			findFamily: (id) => (down ? Promise.reject(new RefreshTokenStorageError({ reason: 'unavailable' })) : inner.findFamily(id)),
			registerFamily: (f) => inner.registerFamily(f),
			updateFamily: (id, u) => inner.updateFamily(id, u)
		};
		const { signIn, call } = await setup({ familyStore: flaky, sessionCheckIntervalMs: 0 });
		await signIn();
		down = true;
		const during = await call('/');
		expect(during.auth?.isAuthenticated).toBe(false);
		expect(during.setCookies).toEqual([]);
		down = false;
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
	});

	it('refreshes in the hook when the access token is within the leeway, and writes the cookie on that response', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 60 });
		const { signIn, call, clock } = await setup({ as });
		await signIn();
		clock.now += 45_000; // within 30 s of expiry
		const res = await call('/');
		expect(as.calls.refresh).toBe(1);
		expect(sessionWritten(res.setCookies)).toBe(true);
		expect(res.response.headers.get('cache-control')).toBe('no-store');
		expect(await (res.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toMatch(/^at-/);
		expect(as.calls.refresh).toBe(1);
	});

	it('concurrent requests that waited for one refresh carry one sealed cookie: sealed once, not once per request', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 60 });
		const { signIn, call, clock } = await setup({ as });
		await signIn();
		clock.now += 45_000; // within 30 s of expiry
		const answers = await Promise.all(Array.from({ length: 20 }, () => call('/')));
		expect(as.calls.refresh).toBe(1);
		const written = answers.map((a) => a.setCookies.find((c) => c.startsWith('__Host-sso=') && !/Max-Age=0/.test(c))?.split(';')[0]);
		expect(written.every((c) => c !== undefined)).toBe(true);
		expect(new Set(written).size).toBe(1);
		expect(answers.every((a) => a.auth?.isAuthenticated)).toBe(true);
	});

	it('getAccessToken() called while the page is built refreshes and its cookie rides on the response', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 120 });
		const { signIn, call, clock } = await setup({ as });
		await signIn();
		clock.now += 70_000; // inside the request horizon, not yet in the leeway
		const res = await call('/', {}, async (event) => {
			clock.now += 30_000; // a slow page: the token crossed into the leeway
			const token = await (event.locals as { auth: { getAccessToken(): Promise<string | null> } }).auth.getAccessToken();
			return new Response(token);
		});
		expect(as.calls.refresh).toBe(1);
		expect(await res.response.text()).toMatch(/^at-/);
		expect(sessionWritten(res.response.headers.getSetCookie())).toBe(true);
	});
});

describe('a revoked cookie is remembered', () => {
	/** A family store that counts every call. */
	function countingStore() {
		const inner = new InMemoryRefreshTokenFamilyStore();
		const calls = { count: 0 };
		const store: RefreshTokenFamilyStore = {
			kind: 'counting',
			findFamily: (id) => (calls.count++, inner.findFamily(id)),
			registerFamily: (f) => (calls.count++, inner.registerFamily(f)),
			updateFamily: (id, u) => (calls.count++, inner.updateFamily(id, u))
		};
		return { store, calls, inner };
	}
	/** Replays `cookie` `times` times; the store calls of each replay. */
	async function replay(handle: ReturnType<typeof createAuthHandle>, cookie: string, calls: { count: number }, times = 5) {
		const perReplay: number[] = [];
		for (let i = 0; i < times; i++) {
			const before = calls.count;
			const { event, kit } = fakeEvent(`${APP}/`, { cookie });
			const response = await handle({ event, resolve: async () => new Response('page') });
			perReplay.push(calls.count - before);
			expect((event.locals as { auth?: ServerAuthContext }).auth?.isAuthenticated).toBe(false);
			const setCookies = [...response.headers.getSetCookie(), ...kit.setCookies()];
			expect(setCookies.some((c) => c.startsWith('__Host-sso=;') && /Max-Age=0/.test(c))).toBe(true);
		}
		return perReplay;
	}

	it('a cookie the session check found revoked is signed out and cleared on every replay, with one store check, then none', async () => {
		const { store, calls, inner } = countingStore();
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 3600 });
		const { signIn, call, jar, handle, clock } = await setup({ as, familyStore: store });
		await signIn();
		const cookie = jar.header();
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
		// Another instance ends the session (sign-out there); this instance checks within the interval.
		const familyId = (await sessionIn(jar, clock.now))!.family!.id;
		await inner.updateFamily(familyId, (f) => ({ ...f, revokedAtMs: clock.now }));
		clock.now += DEFAULTS.refresh.sessionCheckIntervalMs + 1;
		const perReplay = await replay(handle, cookie, calls);
		expect(perReplay[0]).toBeGreaterThan(0);
		expect(perReplay.slice(1)).toEqual([0, 0, 0, 0]);
	});

	it('a superseded cookie whose refresh ended the session (replay) is signed out and cleared on every later replay without a store call', async () => {
		const { store, calls } = countingStore();
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 60 });
		const { signIn, call, jar, handle, clock } = await setup({ as, familyStore: store, refreshGraceMs: 5_000 });
		await signIn();
		const generation0 = jar.header();
		clock.now += 45_000;
		expect(sessionWritten((await call('/')).setCookies)).toBe(true);
		expect((await sessionIn(jar, clock.now))?.family?.generation).toBe(1);
		// After the grace window, generation 0 is a replay: the first revokes the family.
		clock.now += 6_000;
		const perReplay = await replay(handle, generation0, calls);
		expect(perReplay[0]).toBeGreaterThan(0);
		expect(perReplay.slice(1)).toEqual([0, 0, 0, 0]);
		expect(as.calls.refresh).toBe(1);
	});
});

describe('the rolling re-seal never writes a superseded generation', () => {
	/** One request through `handle` with the given Cookie header; Set-Cookies are returned, not applied. */
	async function request(handle: ReturnType<typeof createAuthHandle>, cookie: string, path = '/') {
		const { event, kit } = fakeEvent(`${APP}${path}`, { cookie });
		const response = await handle({ event, resolve: async () => new Response('page') });
		return { setCookies: [...response.headers.getSetCookie(), ...kit.setCookies()], auth: (event.locals as { auth?: ServerAuthContext }).auth };
	}

	it('a request that lost the refresh race (busy, then its wait ran out) writes no generation-0 cookie; delivered last, it cannot make the browser replay', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 60 });
		const shared = { timeoutMs: 2_000, refreshLeaseMs: 5_000, refreshGraceMs: 5_000, sessionOptions: { rollingInterval: 10 } };
		const { signIn, jar, clock, store, handle: instanceA, errors } = await setup({ as, ...shared });
		// A second instance on the same family store and clock (another fetch: another runtime), which
		// waits only 50 ms for a refresh another instance runs.
		const instanceB = createAuthHandle({
			issuer: as.issuer,
			clientId: 'app',
			clientSecret: 'app-secret',
			origin: APP,
			secret: SECRET,
			fetch: (input, init) => as.fetch(input, init),
			clock: () => clock.now,
			familyStore: store,
			refreshWaitMs: 50,
			...shared
		});
		await signIn();
		const cookie = jar.header();
		expect((await sessionIn(jar, clock.now))?.family?.generation).toBe(0);
		// The access token is within the leeway, and the rolling interval is due.
		clock.now += 45_000;
		as.tokenDelayMs = 300;
		const winner = request(instanceA, cookie);
		while (as.calls.refresh === 0) await new Promise((r) => setTimeout(r, 5));
		// Instance A holds the lease and waits for the token endpoint: B gets busy, waits 50 ms, gives up.
		const loser = await request(instanceB, cookie);
		expect(loser.auth?.isAuthenticated).toBe(true);
		expect(sessionWritten(loser.setCookies)).toBe(false);
		const won = await winner;
		expect(sessionWritten(won.setCookies)).toBe(true);
		expect(as.calls.refresh).toBe(1);
		// The browser receives A's answer, then B's.
		jar.apply(won.setCookies);
		jar.apply(loser.setCookies);
		expect((await sessionIn(jar, clock.now))?.family?.generation).toBe(1);
		// After the grace window, the browser's next request is no replay: still signed in, family alive.
		as.tokenDelayMs = 0;
		clock.now += 6_000;
		expect((await request(instanceA, jar.header())).auth?.isAuthenticated).toBe(true);
		expect(errors.filter((e) => e.code === 'session_revoked')).toEqual([]);
		const record = await sessionIn(jar, clock.now);
		expect((await store.findFamily(record!.family!.id))?.revokedAtMs).toBeNull();
	});

	it('re-seals on the rolling interval far from the refresh time, and never within the request horizon, after a transient failure or during back-off; the refresh then writes touchedAt', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 3600 });
		const { signIn, call, jar, clock } = await setup({ as, sessionOptions: { rollingInterval: 10 } });
		await signIn();
		const start = clock.now;
		const refreshAt = start + 3600_000 - 30_000;
		const generation = async () => (await sessionIn(jar, clock.now))?.family?.generation;
		// control: far from the refresh time, the rolling interval re-seals (same generation, touchedAt now)
		clock.now = start + 20_000;
		const rolled = await call('/');
		expect(sessionWritten(rolled.setCookies)).toBe(true);
		expect((await sessionIn(jar, clock.now))?.touchedAt).toBe(clock.now);
		// A request that starts just before refreshAt (within the request horizon): no re-seal.
		clock.now = refreshAt - DEFAULTS.auth.requestHorizonMs + 1_000;
		const near = await call('/');
		expect(near.auth?.isAuthenticated).toBe(true);
		expect(sessionWritten(near.setCookies)).toBe(false);
		// Refresh due, the token endpoint answers 503: unchanged, no re-seal.
		clock.now = refreshAt + 1_000;
		as.tokenResponses.push(() => new Response('busy', { status: 503 }));
		const failed = await call('/');
		expect(as.calls.refresh).toBe(1);
		expect(failed.auth?.isAuthenticated).toBe(true);
		expect(sessionWritten(failed.setCookies)).toBe(false);
		// Within the back-off: no token request, no re-seal.
		clock.now += 1_000;
		const waiting = await call('/');
		expect(as.calls.refresh).toBe(1);
		expect(sessionWritten(waiting.setCookies)).toBe(false);
		expect(await generation()).toBe(0);
		// After the back-off the refresh succeeds and its cookie carries the new touchedAt.
		clock.now += DEFAULTS.refresh.retryAfterMs;
		const refreshed = await call('/');
		expect(as.calls.refresh).toBe(2);
		expect(sessionWritten(refreshed.setCookies)).toBe(true);
		expect(await generation()).toBe(1);
		expect((await sessionIn(jar, clock.now))?.touchedAt).toBe(clock.now);
	});
});

describe('back-channel logout through the hook', () => {
	async function post(call: Awaited<ReturnType<typeof setup>>['call'], token: string) {
		return call('/auth/backchannel-logout', {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ logout_token: token })
		});
	}
	const claims = (as: FakeAs, extra: Record<string, unknown> = {}) => ({
		iss: as.issuer,
		aud: 'app',
		iat: Math.floor(Date.now() / 1000),
		jti: crypto.randomUUID(),
		events: { [EVENT]: {} },
		sub: 'alice',
		...extra
	});

	it('ends the sessions of the subject; a replayed jti is refused', async () => {
		const { signIn, call, as } = await setup();
		await signIn();
		const token = await as.sign(claims(as), { typ: 'logout+jwt' });
		expect((await post(call, token)).response.status).toBe(200);
		expect((await call('/')).auth?.isAuthenticated).toBe(false);
		expect((await post(call, token)).response.status).toBe(400);
	});

	it('I7: refuses a token when several keys without kid could verify it; refetches the JWKS for an unknown kid', async () => {
		const { signIn, call, as } = await setup();
		await signIn();
		// Two RSA keys without kid, the token has none either.
		const keys = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256', { extractable: true })]);
		as.setJwks(await Promise.all(keys.map(async ({ publicKey }) => ({ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' }))));
		const ambiguous = await new SignJWT(claims(as)).setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt' }).sign(keys[0].privateKey);
		expect((await post(call, ambiguous)).response.status).toBe(400);
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
	});

	it('I7: refetches the JWKS for an unknown kid (key rotation at the server), at most once per cooldown', async () => {
		const { signIn, call, as } = await setup();
		await signIn();
		// A first logout token (for nobody here) makes the JWKS cached.
		expect((await post(call, await as.sign(claims(as, { sub: 'nobody' }), { typ: 'logout+jwt' }))).response.status).toBe(200);
		const fetched = as.calls.jwks;
		await as.rotateKey({ withKid: true, dropOld: true });
		const rotated = await as.sign(claims(as), { typ: 'logout+jwt' });
		// Within jose's 30 s cooldown an unknown kid does not refetch (a flood of random kids cannot
		// hammer the server): refused.
		expect((await post(call, rotated)).response.status).toBe(400);
		expect(as.calls.jwks).toBe(fetched);
		const now = Date.now();
		const later = vi.spyOn(Date, 'now').mockReturnValue(now + 31_000);
		try {
			expect((await post(call, rotated)).response.status).toBe(200);
		} finally {
			later.mockRestore();
		}
		expect(as.calls.jwks).toBe(fetched + 1);
		expect((await call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('answers 503 while the JWKS answers 5xx or HTML, so the server retries; the retry ends the session', async () => {
		const as = await createFakeAs({ clientId: 'app' });
		let jwks: 'down' | 'html' | 'up' = 'down';
		const fetch: typeof globalThis.fetch = async (input, init) => {
			if (new URL(new Request(input).url).pathname !== '/jwks' || jwks === 'up') return as.fetch(input, init);
			return jwks === 'down' ? new Response('<html>502 Bad Gateway</html>', { status: 502 }) : new Response('<html>maintenance</html>', { status: 200 });
		};
		const { signIn, call, errors } = await setup({ as, fetch });
		await signIn();
		const token = await as.sign(claims(as), { typ: 'logout+jwt' });
		const down = await post(call, token);
		expect(down.response.status).toBe(503);
		expect(down.response.headers.get('cache-control')).toBe('no-store');
		jwks = 'html';
		expect((await post(call, token)).response.status).toBe(503);
		expect(errors.filter((e) => e.phase === 'backchannel-logout').map((e) => e.code)).toEqual(['network_error', 'network_error']);
		expect((await call('/')).auth?.isAuthenticated).toBe(true);
		jwks = 'up';
		expect((await post(call, token)).response.status).toBe(200);
		expect((await call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('answers 400 for a malformed request: wrong content type, several tokens, no token', async () => {
		const { call } = await setup();
		const wrongType = await call('/auth/backchannel-logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"logout_token":"x"}' });
		expect(wrongType.response.status).toBe(400);
		const twice = await call('/auth/backchannel-logout', {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'logout_token=a&logout_token=b'
		});
		expect(twice.response.status).toBe(400);
	});

	it('answers 413 with no-store to a body over 16 KiB, declared or found while reading, before any verification (X8)', async () => {
		const { handle, call, as, errors } = await setup();
		const form = { 'content-type': 'application/x-www-form-urlencoded' };
		const send = async (body: ReadableStream<Uint8Array>, headers: Record<string, string>) => {
			const { event } = fakeEvent(`${APP}/auth/backchannel-logout`, { method: 'POST', headers: { ...form, ...headers } });
			(event as { request: Request }).request = new Request(event.request.url, { method: 'POST', headers: event.request.headers, body, duplex: 'half' } as RequestInit);
			return handle({ event, resolve: async () => new Response('page') });
		};
		// A declared length over the limit is answered before a byte of the body arrives.
		const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
		const declared = await send(silent, { 'content-length': String(70 * 1024) });
		expect(declared.status).toBe(413);
		expect(declared.headers.get('cache-control')).toBe('no-store');
		expect(declared.headers.get('referrer-policy')).toBe('no-referrer');
		// No declared length: the body turns out larger while read (chunks of 4 KiB, 64 KiB in all).
		let sent = 0;
		const chunk = new TextEncoder().encode('a'.repeat(4096));
		const streamed = new ReadableStream<Uint8Array>({
			start: (c) => c.enqueue(new TextEncoder().encode('logout_token=')),
			pull: (c) => {
				if (sent >= 64 * 1024) return c.close();
				c.enqueue(chunk);
				sent += chunk.length;
			}
		});
		const found = await send(streamed, {});
		expect(found.status).toBe(413);
		expect(found.headers.get('cache-control')).toBe('no-store');
		expect(as.calls.jwks).toBe(0);
		expect(errors).toEqual([]);
		// control: a body of exactly 16 KiB is read and its token verified (and refused: 400)
		const atLimit = await call('/auth/backchannel-logout', { method: 'POST', headers: form, body: `logout_token=${'a'.repeat(16 * 1024 - 13)}` });
		expect(atLimit.response.status).toBe(400);
		expect(errors.map((e) => e.code)).toEqual(['invalid_token']);
	});
});

describe('the configured origin, never the request host (C14)', () => {
	const forged = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' };

	it('builds the redirect URI, the return target and the error location from options.origin whatever Host says', async () => {
		const { handle, as } = await setup();
		const { event } = fakeEvent('http://evil.example/auth/login?returnTo=%2Fdashboard', { headers: forged });
		const login = await handle({ event, resolve: async () => new Response('page') });
		const location = new URL(login.headers.get('location')!);
		expect(location.origin).toBe(new URL(as.issuer).origin);
		expect(location.searchParams.get('redirect_uri')).toBe(`${APP}/auth/callback`);

		// A callback that fails lands on the app's own error page, not on the forged host.
		const { event: callback } = fakeEvent('http://evil.example/auth/callback?code=c&state=unknown', { headers: forged });
		const failed = await handle({ event: callback, resolve: async () => new Response('page') });
		expect(failed.headers.get('location')).toBe('/login?error=invalid_state');
	});

	it('refuses a sign-out whose Origin matches only the forged host', async () => {
		const { handle } = await setup();
		const { event } = fakeEvent('http://evil.example/auth/logout', { method: 'POST', headers: { ...forged, origin: 'http://evil.example' } });
		expect((await handle({ event, resolve: async () => new Response('page') })).status).toBe(403);
		const { event: own } = fakeEvent('http://evil.example/auth/logout', { method: 'POST', headers: { ...forged, origin: APP } });
		expect((await handle({ event: own, resolve: async () => new Response('page') })).status).toBe(303);
	});

	it('writes session cookies for the configured origin, not for the request host', async () => {
		const { handle, as } = await setup();
		const jar = new CookieJar();
		// Plain http on loopback would make cookies without Secure if the request decided.
		const local = { host: '127.0.0.1:8080' };
		const { event: start, kit } = fakeEvent('http://127.0.0.1:8080/auth/login', { headers: local });
		const login = await handle({ event: start, resolve: async () => new Response('page') });
		jar.apply([...login.headers.getSetCookie(), ...kit.setCookies()]);
		// The transaction cookie is __Host- (https origin) although the request came over http.
		expect(jar.header()).toMatch(/^__Host-txn_/);
		const location = new URL(login.headers.get('location')!);
		const query = new URLSearchParams({ code: as.issueCode(location.href), state: location.searchParams.get('state')!, iss: as.issuer });
		const { event: back, kit: backKit } = fakeEvent(`http://127.0.0.1:8080/auth/callback?${query}`, { headers: local, cookie: jar.header() });
		const done = await handle({ event: back, resolve: async () => new Response('page') });
		const cookies = [...done.headers.getSetCookie(), ...backKit.setCookies()];
		expect(cookies.some((c) => c.startsWith('__Host-sso=') && /Secure/.test(c))).toBe(true);
	});
});

describe('ID token checks oauth4webapi leaves to the SDK', () => {
	async function callbackWith(claims: Record<string, unknown>) {
		const env = await setup();
		const login = await env.call('/auth/login?returnTo=%2Fdashboard');
		const location = new URL(login.response.headers.get('location')!);
		const now = Math.floor(env.clock.now / 1000);
		const idToken = await env.as.sign({ iss: env.as.issuer, sub: 'alice', aud: 'app', iat: now, exp: now + 600, nonce: location.searchParams.get('nonce'), ...claims });
		env.as.tokenResponses.push(() => Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken }));
		const query = new URLSearchParams({ code: env.as.issueCode(location.href), state: location.searchParams.get('state')!, iss: env.as.issuer });
		return env.call(`/auth/callback?${query}`);
	}

	it('refuses an ID token whose azp names another client, with one audience (I3)', async () => {
		const refused = await callbackWith({ azp: 'other-app' });
		expect(refused.response.headers.get('location')).toBe('/login?error=invalid_token');
		expect(sessionWritten(refused.setCookies)).toBe(false);
		const accepted = await callbackWith({ azp: 'app' });
		expect(accepted.response.headers.get('location')).toBe('/dashboard');
		expect(sessionWritten(accepted.setCookies)).toBe(true);
	});
});

describe('secret rotation through the hook (S4)', () => {
	it('re-issues a session sealed under the previous secret under the current one, once', async () => {
		const { mintSessionCookie } = await import('../../../src/lib/testing/session-minter.js');
		const { createSealer } = await import('../../../src/lib/cookies/seal.js');
		const { OTHER_SECRET } = await import('../../support/fake-event.js');
		const env = await setup({ secret: [TEST_SECRET, OTHER_SECRET] });
		const old = await mintSessionCookie({ secret: OTHER_SECRET, user: { id: 'alice' }, url: APP });
		env.jar.apply(Object.entries(old.cookies).map(([name, value]) => `${name}=${value}`));
		const first = await env.call('/page');
		expect(first.auth?.isAuthenticated).toBe(true);
		const reissued = first.setCookies.find((c) => c.startsWith('__Host-sso=') && !/Max-Age=0/.test(c));
		expect(reissued).toBeDefined();
		const value = reissued!.split(';')[0].slice('__Host-sso='.length);
		const opened = await createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: () => env.clock.now }).open(value);
		expect(opened).not.toBeNull();
		expect(opened!.stale).toBe(false);
		// The re-issued cookie needs nothing more: the next request writes no cookie.
		const second = await env.call('/page');
		expect(second.auth?.isAuthenticated).toBe(true);
		expect(second.setCookies.filter((c) => c.includes('sso'))).toEqual([]);
	});
});

describe('sign-out against a misconfigured identity provider (found by the fuzzer)', () => {
	it('stays local when the discovery document names an end_session_endpoint that is not an absolute URL, and still ends the session', async () => {
		for (const endpoint of ['/logout', 'not a url', 42, 'javascript:alert(1)']) {
			const as = await createFakeAs({ clientId: 'app', metadata: { end_session_endpoint: endpoint } });
			const { signIn, call, errors } = await setup({ as });
			await signIn();
			const out = await call('/auth/logout', { method: 'POST', headers: { origin: APP } });
			expect(out.response.status).toBe(303);
			expect(out.response.headers.get('location')).toBe('/');
			expect(out.setCookies.some((c) => c.startsWith('__Host-sso=') && /Max-Age=0/.test(c))).toBe(true);
			expect(errors.map((e) => [e.phase, e.code])).toContainEqual(['sign-out', 'invalid_response']);
			expect((await call('/')).auth?.isAuthenticated).toBe(false);
		}
	});
});
