import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
	BrowserCookieJar,
	openSession,
	sessionCookieHeader,
	signIn,
	sleep,
	startOidcStack,
	tokenCalls,
	whoami,
	type OidcStack
} from '../support/oidc-stack.js';
import { mergeCookies } from '../support/handoff-env.js';

// Access tokens live 2 s (leeway = half of it, 1 s); the grace window after a rotation is 300 ms;
// sessions are checked against the family store on every request (interval 0).
const TTL_S = 2;
let stack: OidcStack;
beforeAll(async () => {
	stack = await startOidcStack({
		idp: { accessTokenTtl: TTL_S, rotateRefreshTokens: true },
		env: { SSO_REFRESH_GRACE_MS: '300', SSO_SESSION_CHECK_INTERVAL_MS: '0' }
	});
});
afterAll(() => stack?.stop());
beforeEach(() => {
	stack.idp.resetCounters();
	stack.idp.misbehave = {};
	stack.tokenGate.hits = 0;
	delete stack.tokenGate.status;
	delete stack.tokenGate.delayMs;
});

async function signedIn(login: string) {
	const jar = new BrowserCookieJar();
	await signIn(stack, jar, { login });
	const cookie = sessionCookieHeader(stack, jar);
	const record = await openSession(cookie);
	return { jar, cookie, record: record! };
}

const expired = () => sleep(TTL_S * 1000 + 150);

describe('refresh inside the hook, with refresh-token rotation at the dev IdP', () => {
	it('does not refresh while the access token is fresh (the leeway is at most half its lifetime)', async () => {
		const { cookie } = await signedIn('fresh');
		stack.idp.resetCounters();
		for (let i = 0; i < 5; i++) expect((await whoami(stack, cookie)).body.hasAccessToken).toBe(true);
		expect(tokenCalls(stack, 'refresh_token')).toBe(0);
	});

	it('refresh storm: 50 concurrent requests with an expired access token → one refresh_token grant, all signed in, generation + 1', async () => {
		const { cookie, record } = await signedIn('storm');
		expect(record.family?.generation).toBe(0);
		await expired();
		stack.idp.resetCounters();
		const answers = await Promise.all(Array.from({ length: 50 }, () => whoami(stack, cookie)));
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		for (const { status, body } of answers) {
			expect(status).toBe(200);
			expect(body).toMatchObject({ isAuthenticated: true, user: { id: 'storm' }, hasAccessToken: true });
		}
		// Every response carries the refreshed session: generation 1 of the same family, a new access token.
		const written = await Promise.all(answers.map(({ response }) => openSession(mergeCookies(cookie, response))));
		const generations = new Set(written.map((r) => r?.family?.generation));
		expect(generations).toEqual(new Set([1]));
		expect(new Set(written.map((r) => r?.family?.id))).toEqual(new Set([record.family!.id]));
		expect(new Set(written.map((r) => r?.tokens?.accessToken)).size).toBe(1);
		expect(written[0]!.tokens!.accessToken).not.toBe(record.tokens!.accessToken);
		expect(written[0]!.tokens!.refreshToken).not.toBe(record.tokens!.refreshToken);
		for (const { response } of answers) expect(response.headers.get('cache-control')).toBe('no-store');
	});

	it('an old cookie replayed after the rotation (beyond the grace window) revokes the family and ends the session', async () => {
		const { cookie: old } = await signedIn('replay');
		await expired();
		const first = await whoami(stack, old);
		const current = mergeCookies(old, first.response);
		expect((await openSession(current))?.family?.generation).toBe(1);
		await sleep(400);
		stack.idp.resetCounters();
		// The stolen copy of generation 0: refused, family revoked, cookie deleted; no token request.
		const replay = await whoami(stack, old);
		expect(replay.body.isAuthenticated).toBe(false);
		expect(replay.response.headers.getSetCookie().some((c) => c.startsWith('sso=;') && /Max-Age=0/.test(c))).toBe(true);
		expect(tokenCalls(stack)).toBe(0);
		// The legitimate browser's newer cookie is ended too: the family is revoked on every copy.
		expect((await whoami(stack, current)).body.isAuthenticated).toBe(false);
	});

	it('a cookie one generation behind within the grace window adopts the new tokens without a second refresh', async () => {
		const { cookie: old } = await signedIn('grace');
		await expired();
		stack.idp.resetCounters();
		const first = await whoami(stack, old);
		const second = await whoami(stack, old);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		expect(second.body.isAuthenticated).toBe(true);
		const a = await openSession(mergeCookies(old, first.response));
		const b = await openSession(mergeCookies(old, second.response));
		expect(b?.family?.generation).toBe(1);
		expect(b?.tokens?.accessToken).toBe(a?.tokens?.accessToken);
	});

	it('keeps refreshing across generations and keeps the previous refresh token when none is returned (R4)', async () => {
		let { cookie } = await signedIn('chain');
		for (let generation = 1; generation <= 2; generation++) {
			await expired();
			const res = await whoami(stack, cookie);
			expect(res.body.hasAccessToken).toBe(true);
			cookie = mergeCookies(cookie, res.response);
			expect((await openSession(cookie))?.family?.generation).toBe(generation);
		}
		const before = await openSession(cookie);
		stack.idp.misbehave = {
			onTokenResponse(body) {
				if (typeof body.access_token === 'string') delete body.refresh_token;
			}
		};
		await expired();
		const res = await whoami(stack, cookie);
		cookie = mergeCookies(cookie, res.response);
		const after = await openSession(cookie);
		expect(after?.family?.generation).toBe(3);
		expect(after?.tokens?.refreshToken).toBe(before?.tokens?.refreshToken);
	});

	it('invalid_grant ends the session cleanly, once, without a retry loop (R7)', async () => {
		const { cookie, record } = await signedIn('revoked');
		// The grant dies at the IdP (an administrator revoked it).
		await fetch(`${stack.idp.issuer}/token/revocation`, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				authorization: `Basic ${Buffer.from(`${stack.clientId}:${stack.clientSecret}`).toString('base64')}`
			},
			body: new URLSearchParams({ token: record.tokens!.refreshToken!, token_type_hint: 'refresh_token' })
		});
		await expired();
		stack.idp.resetCounters();
		const answers = await Promise.all(Array.from({ length: 5 }, () => whoami(stack, cookie)));
		for (const { body } of answers) expect(body.isAuthenticated).toBe(false);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(false);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
	});

	it('a 5xx or a timeout at the token endpoint keeps the session while the access token is valid and retries later (R7)', async () => {
		// 500 from the IdP before it redeemed anything; no answer within the app's 5 s timeout (the IdP
		// then fails too, so nothing was redeemed: a redeemed-but-lost answer is R3, below).
		for (const fault of [{ status: 500 }, { delayMs: 5_500, status: 500 }]) {
			const { cookie, record } = await signedIn('transient');
			stack.tokenGate.hits = 0;
			Object.assign(stack.tokenGate, fault);
			// Within the leeway but not yet expired.
			await sleep(Math.max(0, record.tokens!.expiresAt - Date.now() - 700));
			const during = await whoami(stack, cookie);
			expect(during.body).toMatchObject({ isAuthenticated: true });
			expect(during.response.headers.getSetCookie()).toEqual([]);
			expect(stack.tokenGate.hits).toBe(1);
			// No retry storm: the next requests within the back-off do not call the token endpoint again.
			expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(true);
			expect(stack.tokenGate.hits).toBe(1);
			delete stack.tokenGate.status;
			delete stack.tokenGate.delayMs;
			// Later, the refresh token (never redeemed) works.
			await sleep(fault.delayMs ? fault.delayMs - 4_500 : 400);
			stack.idp.resetCounters();
			const after = await whoami(stack, cookie);
			expect(after.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
			expect(tokenCalls(stack, 'refresh_token')).toBe(1);
			expect((await openSession(mergeCookies(cookie, after.response)))?.family?.generation).toBe(1);
		}
	}, 40_000);

	it('a lost refresh response (the IdP rotated, the app never saw it) ends in a clean re-login, never two refresh tokens (R3)', async () => {
		const { cookie } = await signedIn('lost');
		stack.idp.misbehave = {
			onTokenResponse(body, ctx) {
				if (ctx.oidc.params?.grant_type !== 'refresh_token' || typeof body.access_token !== 'string') return;
				ctx.status = 503;
				return { error: 'temporarily_unavailable' };
			}
		};
		await expired();
		const first = await whoami(stack, cookie);
		expect(first.body.isAuthenticated).toBe(true);
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		stack.idp.misbehave = {};
		await sleep(300);
		// The retry presents the refresh token the IdP already rotated: invalid_grant, session over.
		const retry = await whoami(stack, cookie);
		expect(retry.body.isAuthenticated).toBe(false);
		expect(tokenCalls(stack, 'refresh_token')).toBe(2);
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(false);
		expect(tokenCalls(stack, 'refresh_token')).toBe(2);
	});

	it('a refreshed ID token for another subject or issuer ends the session and revokes the family (I9, R5)', async () => {
		for (const mutate of [(c: Record<string, unknown>) => ({ ...c, sub: 'mallory' }), (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' })]) {
			const { cookie } = await signedIn('subject');
			const resign = stack.idp.resignIdToken(mutate);
			stack.idp.misbehave = { onTokenResponse: (body, ctx) => (ctx.oidc.params?.grant_type === 'refresh_token' ? resign(body) : undefined) };
			await expired();
			const res = await whoami(stack, cookie);
			expect(res.body.isAuthenticated).toBe(false);
			expect(res.response.headers.getSetCookie().some((c) => c.startsWith('sso=;'))).toBe(true);
			stack.idp.misbehave = {};
			expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(false);
		}
		// Without the mutation the same refresh keeps the session.
		const { cookie } = await signedIn('subject');
		await expired();
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(true);
	});

	it('a restart of the app (in-memory family store) does not sign users out while the refresh token is valid', async () => {
		let { cookie } = await signedIn('restart');
		await expired();
		cookie = mergeCookies(cookie, (await whoami(stack, cookie)).response);
		expect((await openSession(cookie))?.family?.generation).toBe(1);
		await stack.restartApp();
		await expired();
		stack.idp.resetCounters();
		const after = await whoami(stack, cookie);
		expect(after.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCalls(stack, 'refresh_token')).toBe(1);
		const current = mergeCookies(cookie, after.response);
		expect((await openSession(current))?.family?.generation).toBe(2);
		// The family was re-registered at generation 1 outside any grace window: the generation-1 copy is
		// now a replay, exactly as before the restart.
		await sleep(400);
		await expired();
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(false);
		expect((await whoami(stack, current)).body.isAuthenticated).toBe(false);
	});
});
