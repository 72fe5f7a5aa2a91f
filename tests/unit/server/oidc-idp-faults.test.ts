// The identity provider misbehaving at each endpoint the relying party calls: discovery, the token
// endpoint (code exchange and refresh), userinfo, revocation (sign-out), the JWKS (back-channel
// logout), and the end-session endpoint as discovery advertises it or not. The provider is a real
// HTTP server on loopback (tests/support/fault-as-server.ts) and the app calls it with the real fetch,
// so each fault meets the code path it meets in production: undici's errors, AbortSignal.timeout,
// oauth4webapi's and jose's body handling. Every case asserts the same invariants: never a 5xx from
// the app, never an unhandled rejection, the documented AuthErrorCode, no session written by a failed
// sign-in, the session kept on a transient fault, no token in a Location header or a log line.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuthErrorCode } from '../../../src/lib/errors.js';
import type { AuthHandleOptions } from '../../../src/lib/server/auth-handle.js';
import { FAULTS, REFUSALS, startFaultAs, type Fault, type FaultAsServer, type Refusal } from '../../support/fault-as-server.js';
import { APP, relyingParty, reported, sessionCleared, sessionWritten, TOKEN, transactionCleared } from '../../support/oidc-rp-harness.js';

// Each case has a provider of its own (a server on loopback with its own counters and faults) and an
// app runtime of its own, so the cases run concurrently: the slow ones each wait out the app's timeout.
const servers: FaultAsServer[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const consoleLines: unknown[][] = [];
beforeAll(() => {
	process.on('unhandledRejection', onUnhandled);
	for (const method of ['warn', 'error', 'log'] as const) vi.spyOn(console, method).mockImplementation((...args) => void consoleLines.push(args));
});
afterAll(async () => {
	process.off('unhandledRejection', onUnhandled);
	vi.restoreAllMocks();
	await Promise.all(servers.splice(0).map((s) => s.close()));
	expect(unhandled).toEqual([]);
	expect(JSON.stringify(consoleLines)).not.toMatch(TOKEN);
});

async function setup(options: Partial<AuthHandleOptions> & { metadata?: Record<string, unknown> } = {}) {
	const { metadata, ...rest } = options;
	const server = await startFaultAs(metadata ? { metadata } : {});
	// Closed after the file: the global onTestFinished cannot tell concurrent tests apart.
	servers.push(server);
	return relyingParty(server, rest);
}

// What each fault at discovery becomes: every failure to read the document is `network_error` (it
// keeps the refresh path and back-channel logout in their "try again" branch), a timeout `timeout`.
const DISCOVERY_CODE: Record<Exclude<Fault, 'stall' | Refusal>, AuthErrorCode> = {
	down: 'network_error',
	slow: 'timeout',
	'5xx': 'network_error',
	html: 'network_error',
	garbage: 'network_error'
};

describe.concurrent('discovery faults', () => {
	it.each(FAULTS)('%s discovery at the login route: 303 to the error page, no transaction, and sign-in works once it answers', async (fault) => {
		const ctx = await setup();
		ctx.server.faults.set('discovery', fault);
		const start = await ctx.call('/auth/login?returnTo=/dashboard');
		expect(start.response.status).toBe(303);
		expect(start.location).toBe(`/login?error=${DISCOVERY_CODE[fault]}`);
		expect(start.setCookies).toEqual([]);
		expect(reported(ctx, 'sign-in')).toEqual([DISCOVERY_CODE[fault]]);
		// A failed discovery is not cached: the next attempt asks again and succeeds.
		ctx.server.clear();
		await ctx.signIn();
		ctx.assertNoTokenLeak();
	});

	it.each(FAULTS)('%s discovery at the callback (another instance, cold cache): error redirect, no token request, no session, transaction spent', async (fault) => {
		const ctx = await setup();
		const authorization = await ctx.login();
		ctx.newInstance();
		ctx.server.faults.set('discovery', fault);
		const done = await ctx.callback(authorization);
		expect(done.location).toBe(`/login?error=${DISCOVERY_CODE[fault]}`);
		expect(ctx.server.hits.token).toBe(0);
		expect(sessionWritten(done.setCookies)).toBe(false);
		expect(transactionCleared(done.setCookies, authorization.searchParams.get('state')!)).toBe(true);
		ctx.assertNoTokenLeak();
	});

	it.each(FAULTS)('%s discovery when a refresh is due (another instance, cold cache): the session and its cookie are kept, no token request', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		ctx.newInstance();
		ctx.server.faults.set('discovery', fault);
		ctx.clock.now += 45_000; // inside the 30 s refresh leeway, the access token still valid
		const during = await ctx.call('/');
		expect(during.auth?.isAuthenticated).toBe(true);
		expect(await (during.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toMatch(/^at-/);
		expect(during.setCookies).toEqual([]);
		expect(ctx.server.hits.refresh).toBe(0);
		expect(reported(ctx, 'refresh')).toContain(DISCOVERY_CODE[fault]);
		ctx.server.clear();
		ctx.clock.now += 5_001; // past the back-off
		const after = await ctx.call('/');
		expect(ctx.server.hits.refresh).toBe(1);
		expect(sessionWritten(after.setCookies)).toBe(true);
		ctx.assertNoTokenLeak();
	});

	it.each(FAULTS)('%s discovery at sign-out (another instance, cold cache): cookie cleared, family revoked, 303 to the local page, no revocation call', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		const cookie = ctx.jar.values.get('__Host-sso');
		ctx.newInstance();
		ctx.server.faults.set('discovery', fault);
		const out = await ctx.logout();
		expect(await ctx.family(cookie)).toMatchObject({ revokedAtMs: expect.any(Number) });
		expect(out.response.status).toBe(303);
		expect(out.location).toBe('/');
		expect(sessionCleared(out.setCookies)).toBe(true);
		expect(ctx.server.hits.revocation).toBe(0);
		expect(reported(ctx, 'sign-out')).toEqual([DISCOVERY_CODE[fault]]);
		ctx.server.clear();
		// The family is revoked in the shared store: a copy of the cookie is signed out everywhere.
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});

	it.each(FAULTS)('%s discovery at a back-channel logout (another instance, cold cache): 503 so the provider retries, the session stays until it does', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		ctx.newInstance();
		ctx.server.faults.set('discovery', fault);
		const refused = await ctx.backchannel();
		expect(refused.response.status).toBe(503);
		expect(reported(ctx, 'backchannel-logout')).toEqual([DISCOVERY_CODE[fault]]);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(true);
		ctx.server.clear();
		expect((await ctx.backchannel()).response.status).toBe(200);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

// What each fault at the token endpoint becomes (the code exchange and the refresh share the map).
const TOKEN_CODE: Record<Exclude<Fault, Refusal>, AuthErrorCode> = {
	down: 'network_error',
	slow: 'timeout',
	'5xx': 'server_error',
	html: 'invalid_response',
	garbage: 'invalid_response',
	stall: 'timeout'
};

describe.concurrent('token endpoint faults at the code exchange', () => {
	it.each([...FAULTS, 'stall'] as const)('%s token endpoint: error redirect with its code, no session, transaction spent, no token in Location or logs', async (fault) => {
		const ctx = await setup();
		const authorization = await ctx.login();
		ctx.server.faults.set('token', fault);
		const done = await ctx.callback(authorization);
		expect(done.response.status).toBe(303);
		expect(done.location).toBe(`/login?error=${TOKEN_CODE[fault]}`);
		expect(ctx.server.hits.token).toBe(1);
		expect(sessionWritten(done.setCookies)).toBe(false);
		expect(transactionCleared(done.setCookies, authorization.searchParams.get('state')!)).toBe(true);
		expect(reported(ctx, 'callback')).toEqual([TOKEN_CODE[fault]]);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

describe.concurrent('token endpoint faults at a refresh', () => {
	async function refreshDue(fault: Fault) {
		const ctx = await setup();
		await ctx.signIn();
		ctx.server.faults.set('refresh', fault);
		ctx.clock.now += 45_000; // inside the 30 s leeway; the access token is valid for 15 s more
		return ctx;
	}

	it.each(['down', 'slow', '5xx'] as const)('%s token endpoint: the session, its cookie and its refresh token are kept, the refresh is retried after the back-off', async (fault) => {
		const ctx = await refreshDue(fault);
		const issued = [...ctx.as.refreshTokens.keys()].slice(-1);
		const during = await ctx.call('/');
		expect(during.auth?.isAuthenticated).toBe(true);
		expect(await (during.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toMatch(/^at-/);
		expect(during.setCookies).toEqual([]);
		expect(ctx.server.hits.refresh).toBe(1);
		expect(reported(ctx, 'refresh')).toEqual([TOKEN_CODE[fault]]);
		// The refresh token never reached the server's grant: still active; the family is at its
		// generation with the lease given back.
		expect(issued.map((t) => ctx.as.refreshTokens.get(t))).toEqual(['active']);
		expect(await ctx.family()).toMatchObject({ generation: 0, lease: null, revokedAtMs: null });
		// Backed off: the next request within retryAfterMs makes no token request.
		await ctx.call('/');
		expect(ctx.server.hits.refresh).toBe(1);
		ctx.server.clear();
		ctx.clock.now += 5_001;
		const after = await ctx.call('/');
		expect(ctx.server.hits.refresh).toBe(2);
		expect(sessionWritten(after.setCookies)).toBe(true);
		expect(after.auth?.isAuthenticated).toBe(true);
		ctx.assertNoTokenLeak();
	});

	it.each(['html', 'garbage'] as const)('%s in a 200 from the token endpoint: an answer that cannot be trusted ends the session and revokes the family (R7)', async (fault) => {
		const ctx = await refreshDue(fault);
		const cookie = ctx.jar.values.get('__Host-sso');
		const during = await ctx.call('/');
		expect(await ctx.family(cookie)).toMatchObject({ revokedAtMs: expect.any(Number) });
		expect(during.auth?.isAuthenticated).toBe(false);
		expect(sessionCleared(during.setCookies)).toBe(true);
		expect(reported(ctx, 'refresh')).toEqual(['invalid_response']);
		// Never retried: the refresh token may have been spent at the server.
		ctx.server.clear();
		ctx.clock.now += 5_001;
		await ctx.call('/');
		expect(ctx.server.hits.refresh).toBe(1);
		ctx.assertNoTokenLeak();
	});

	it('stall (200 headers, then a body that never ends): treated as a timeout, the session is kept', async () => {
		const ctx = await refreshDue('stall');
		const during = await ctx.call('/');
		expect(reported(ctx, 'refresh')).toEqual(['timeout']);
		expect(during.auth?.isAuthenticated).toBe(true);
		expect(during.setCookies).toEqual([]);
		ctx.server.clear();
		ctx.clock.now += 5_001;
		expect(sessionWritten((await ctx.call('/')).setCookies)).toBe(true);
	});

	it('past the access token expiry with the server still down: still signed in, getAccessToken() answers null, nothing written; the first refresh after recovery restores it', async () => {
		const ctx = await refreshDue('5xx');
		await ctx.call('/');
		ctx.clock.now += 20_000; // the access token expired 5 s ago
		const expired = await ctx.call('/');
		expect(expired.auth?.isAuthenticated).toBe(true);
		expect(await (expired.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toBeNull();
		expect(expired.setCookies).toEqual([]);
		ctx.server.clear();
		ctx.clock.now += 5_001;
		const after = await ctx.call('/');
		expect(sessionWritten(after.setCookies)).toBe(true);
		expect(await (after.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toMatch(/^at-/);
	});
});

describe.concurrent('userinfo faults (fetchUserInfo: true)', () => {
	it('control: userinfo answering signs in and is called once', async () => {
		const ctx = await setup({ fetchUserInfo: true });
		await ctx.signIn();
		expect(ctx.server.hits.userinfo).toBe(1);
		expect((await ctx.call('/')).auth?.user).toMatchObject({ id: 'alice', email: 'alice@example.test' });
	});

	// A userinfo failure keeps its cause: down, slow and 5xx are the server's (the user may simply try
	// again), a page or broken JSON a malformed answer, a 401 the access token refused.
	const USERINFO_CODE: Record<Exclude<Fault, 'stall'>, AuthErrorCode> = {
		down: 'network_error',
		slow: 'timeout',
		'5xx': 'server_error',
		html: 'invalid_response',
		garbage: 'invalid_response',
		bare400: 'invalid_response',
		client401: 'invalid_token',
		bare401: 'invalid_token'
	};
	it.each([...FAULTS, 'client401', 'bare401'] as const)('%s userinfo: the sign-in fails with its own code, no session, transaction spent', async (fault) => {
		const ctx = await setup({ fetchUserInfo: true });
		const authorization = await ctx.login();
		ctx.server.faults.set('userinfo', fault);
		const done = await ctx.callback(authorization);
		expect(done.location).toBe(`/login?error=${USERINFO_CODE[fault]}`);
		expect(ctx.server.hits.userinfo).toBe(1);
		expect(sessionWritten(done.setCookies)).toBe(false);
		expect(transactionCleared(done.setCookies, authorization.searchParams.get('state')!)).toBe(true);
		expect(reported(ctx, 'callback')).toEqual([USERINFO_CODE[fault]]);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

// What each revocation fault is reported as; a 200 with any body is a success (RFC 7009 §2.2).
const REVOCATION_REPORT: Record<Exclude<Fault, 'stall' | Refusal>, AuthErrorCode[]> = {
	down: ['network_error'],
	slow: ['timeout'],
	'5xx': ['server_error'],
	html: [],
	garbage: []
};

describe.concurrent('revocation endpoint faults at sign-out', () => {
	it.each(FAULTS)('%s revocation endpoint: signed out anyway (cookie cleared, family revoked), 303 to the end-session endpoint', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		const cookie = ctx.jar.values.get('__Host-sso');
		ctx.server.faults.set('revocation', fault);
		const out = await ctx.logout();
		expect(await ctx.family(cookie)).toMatchObject({ revokedAtMs: expect.any(Number) });
		expect(out.response.status).toBe(303);
		const target = new URL(out.location!);
		expect(target.origin + target.pathname).toBe(`${ctx.server.issuer}/logout`);
		expect(target.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
		expect(sessionCleared(out.setCookies)).toBe(true);
		expect(ctx.server.hits.revocation).toBe(1);
		expect(reported(ctx, 'sign-out')).toEqual(REVOCATION_REPORT[fault]);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

// A refusal is read by its RFC 6749 §5.2 `error` first and its status second: a 400 without a body
// is a refused grant (Glewlwyd answers a spent refresh token so), a 401 the app's own client
// authentication, a configuration fact that keeps the refresh token (it never reached the grant).
const REFUSAL_CODE: Record<Refusal, AuthErrorCode> = { bare400: 'invalid_grant', client401: 'invalid_client', bare401: 'invalid_client' };

describe.concurrent('refusals told apart by status', () => {
	it.each(REFUSALS)('%s at the code exchange: error redirect with its own code, no session', async (fault) => {
		const ctx = await setup();
		const authorization = await ctx.login();
		ctx.server.faults.set('token', fault);
		const done = await ctx.callback(authorization);
		expect(done.location).toBe(`/login?error=${REFUSAL_CODE[fault]}`);
		expect(sessionWritten(done.setCookies)).toBe(false);
		expect(reported(ctx, 'callback')).toEqual([REFUSAL_CODE[fault]]);
		ctx.assertNoTokenLeak();
	});

	it('bare400 at a refresh: the grant is refused, the session ends and its family is revoked', async () => {
		const ctx = await setup();
		await ctx.signIn();
		const cookie = ctx.jar.values.get('__Host-sso');
		ctx.server.faults.set('refresh', 'bare400');
		ctx.clock.now += 45_000;
		const during = await ctx.call('/');
		expect(during.auth?.isAuthenticated).toBe(false);
		expect(reported(ctx, 'refresh')).toEqual(['invalid_grant']);
		expect(await ctx.family(cookie)).toMatchObject({ revokedAtMs: expect.any(Number) });
		ctx.assertNoTokenLeak();
	});

	it.each(['client401', 'bare401'] as const)('%s at a refresh: reported as invalid_client, the session and its unspent refresh token kept, and the refresh works once the client is accepted', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		const issued = [...ctx.as.refreshTokens.keys()].slice(-1);
		ctx.server.faults.set('refresh', fault);
		ctx.clock.now += 45_000;
		const during = await ctx.call('/');
		expect(during.auth?.isAuthenticated).toBe(true);
		expect(during.setCookies).toEqual([]);
		expect(reported(ctx, 'refresh')).toEqual(['invalid_client']);
		expect(issued.map((t) => ctx.as.refreshTokens.get(t))).toEqual(['active']);
		expect(await ctx.family()).toMatchObject({ generation: 0, lease: null, revokedAtMs: null });
		ctx.server.clear();
		ctx.clock.now += 5_001;
		const after = await ctx.call('/');
		expect(ctx.server.hits.refresh).toBe(2);
		expect(sessionWritten(after.setCookies)).toBe(true);
		ctx.assertNoTokenLeak();
	});

	it.each(['client401', 'bare401'] as const)('%s at the revocation endpoint: signed out anyway, reported as invalid_client', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		ctx.server.faults.set('revocation', fault);
		const out = await ctx.logout();
		expect(sessionCleared(out.setCookies)).toBe(true);
		expect(reported(ctx, 'sign-out')).toEqual(['invalid_client']);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

describe.concurrent('the end-session endpoint', () => {
	it('advertised: 303 to it with id_token_hint, client_id, post_logout_redirect_uri and state (the one token a Location carries)', async () => {
		const ctx = await setup();
		await ctx.signIn();
		const out = await ctx.logout();
		const target = new URL(out.location!);
		expect(target.origin + target.pathname).toBe(`${ctx.server.issuer}/logout`);
		expect([...target.searchParams.keys()].sort()).toEqual(['client_id', 'id_token_hint', 'post_logout_redirect_uri', 'state']);
		expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`);
		ctx.assertNoTokenLeak();
	});

	it('not advertised: 303 to postLogoutRedirect, the refresh token still revoked and the session ended', async () => {
		const ctx = await setup({ metadata: { end_session_endpoint: undefined }, postLogoutRedirect: '/bye' });
		await ctx.signIn();
		const out = await ctx.logout();
		expect(out.location).toBe('/bye');
		expect(sessionCleared(out.setCookies)).toBe(true);
		expect(ctx.server.hits.revocation).toBe(1);
		expect(ctx.errors).toEqual([]);
	});

	it('not advertised and no revocation endpoint either: a local sign-out, nothing reported', async () => {
		const ctx = await setup({ metadata: { end_session_endpoint: undefined, revocation_endpoint: undefined } });
		await ctx.signIn();
		const out = await ctx.logout();
		expect(out.location).toBe('/');
		expect(sessionCleared(out.setCookies)).toBe(true);
		expect(ctx.server.hits.revocation).toBe(0);
		expect(ctx.errors).toEqual([]);
	});
});

// The JWKS is fetched only for back-channel logout tokens (ID tokens arrive over TLS from the token
// endpoint and are not signature-checked, docs/SECURITY.md I6).
const JWKS_STATUS: Record<Exclude<Fault, 'stall' | Refusal>, { status: number; code: AuthErrorCode }> = {
	down: { status: 503, code: 'network_error' },
	slow: { status: 503, code: 'timeout' },
	// A JWKS that answers but not with a key set is an outage too: 503, so the provider retries (X13).
	'5xx': { status: 503, code: 'network_error' },
	html: { status: 503, code: 'network_error' },
	garbage: { status: 503, code: 'network_error' }
};

describe.concurrent('JWKS faults at a back-channel logout', () => {
	it.each(FAULTS)('%s JWKS: the logout is not applied and the session stays; once the JWKS answers, the next delivery ends it', async (fault) => {
		const ctx = await setup();
		await ctx.signIn();
		ctx.server.faults.set('jwks', fault);
		const refused = await ctx.backchannel();
		expect(refused.response.status).toBe(JWKS_STATUS[fault].status);
		// The body says why, so the provider knows to retry (Back-Channel Logout 1.0 §2.8).
		expect(await refused.response.json()).toEqual({ error: 'temporarily_unavailable' });
		expect(reported(ctx, 'backchannel-logout')).toEqual([JWKS_STATUS[fault].code]);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(true);
		ctx.server.clear();
		expect((await ctx.backchannel()).response.status).toBe(200);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(false);
		ctx.assertNoTokenLeak();
	});
});

describe.concurrent('the whole identity provider down (connection refused)', () => {
	it('login and callback fail with network_error, a due refresh keeps the session, a back-channel logout gets 503, sign-out is local; all recover', async () => {
		const ctx = await setup();
		await ctx.signIn();
		const pending = await ctx.login();
		ctx.newInstance(); // cold discovery cache, as after a restart
		await ctx.server.stop();

		expect((await ctx.call('/auth/login')).location).toBe('/login?error=network_error');
		expect((await ctx.callback(pending)).location).toBe('/login?error=network_error');
		ctx.clock.now += 45_000;
		const refreshing = await ctx.call('/');
		expect(refreshing.auth?.isAuthenticated).toBe(true);
		expect(refreshing.setCookies).toEqual([]);
		expect((await ctx.backchannel()).response.status).toBe(503);
		expect((await ctx.call('/')).auth?.isAuthenticated).toBe(true);

		await ctx.server.start();
		ctx.clock.now += 5_001;
		expect(sessionWritten((await ctx.call('/')).setCookies)).toBe(true);
		await ctx.server.stop();
		ctx.newInstance();
		const out = await ctx.logout();
		expect(out.location).toBe('/');
		expect(sessionCleared(out.setCookies)).toBe(true);
		await ctx.server.start();
		await ctx.signIn();
		ctx.assertNoTokenLeak();
	});
});
