// Revoke what you discard: a sign-in or refresh that obtained tokens and then failed (an ID token
// check, a refused user) revokes the grant at the server (RFC 7009), so nothing the app threw away
// stays usable there. Each case has its control: the same flow without the fault revokes nothing.
import type { RequestEvent } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { createAuthHandle, type AuthHandleOptions } from '../../../../src/lib/server/auth-handle.js';
import type { ServerAuthContext } from '../../../../src/lib/types.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import { CookieJar } from '../../../support/kit-cookies.js';
import { createFakeAs, fakeEvent, type FakeAs } from '../../../support/oidc-fake-as.js';
import { TEST_SECRET } from '../../../support/fake-event.js';

const APP = 'https://app.example';

async function setup(options: Partial<AuthHandleOptions> = {}) {
	const as: FakeAs = await createFakeAs({ clientId: 'app' });
	const clock = { now: Date.now() };
	const handle = createAuthHandle({
		issuer: as.issuer,
		clientId: 'app',
		clientSecret: 'app-secret',
		origin: APP,
		secret: TEST_SECRET,
		fetch: as.fetch,
		clock: () => clock.now,
		familyStore: new InMemoryRefreshTokenFamilyStore({ clock: () => clock.now }),
		onError: () => {},
		...options
	});
	const jar = new CookieJar();
	async function call(path: string) {
		const { event, kit } = fakeEvent(`${APP}${path}`, { cookie: jar.header() });
		const response = await handle({ event, resolve: async (_e: RequestEvent) => new Response('page') });
		jar.apply([...response.headers.getSetCookie(), ...kit.setCookies()]);
		return { response, auth: (event.locals as { auth?: ServerAuthContext }).auth };
	}
	/** A sign-in whose token answer carries an ID token with `claims` changed (none: a valid one). */
	async function signIn(claims: Record<string, unknown> = {}) {
		const login = await call('/auth/login?returnTo=%2Fdashboard');
		const location = new URL(login.response.headers.get('location')!);
		const now = Math.floor(clock.now / 1000);
		const idToken = await as.sign({ iss: as.issuer, sub: 'alice', aud: 'app', iat: now, exp: now + 600, nonce: location.searchParams.get('nonce'), ...claims });
		const refreshToken = `rt-${crypto.randomUUID()}`;
		as.refreshTokens.set(refreshToken, 'active');
		as.tokenResponses.push(() => Response.json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 60, refresh_token: refreshToken, id_token: idToken }));
		const query = new URLSearchParams({ code: as.issueCode(location.href), state: location.searchParams.get('state')!, iss: as.issuer });
		const done = await call(`/auth/callback?${query}`);
		return { location: done.response.headers.get('location'), refreshToken };
	}
	return { as, clock, call, signIn };
}

describe('a sign-in that fails after the token endpoint answered', () => {
	it.each([
		['the ID token names another authorized party (checked by the SDK)', { azp: 'other-app' }],
		['the ID token carries another nonce (checked by oauth4webapi)', { nonce: 'not-the-transaction-nonce' }],
		['the ID token was issued in the future', { iat: Math.floor(Date.now() / 1000) + 3_600 }]
	])('%s: the refresh token it carried is revoked', async (_name, claims) => {
		const env = await setup();
		const { location, refreshToken } = await env.signIn(claims);
		expect(location).toBe('/login?error=invalid_token');
		expect(env.as.revoked).toEqual([{ token: refreshToken, hint: 'refresh_token' }]);
	});

	it('options.userFromClaims throws: the grant is revoked', async () => {
		const env = await setup({
			userFromClaims: () => {
				throw new Error('not one of ours');
			}
		});
		const { location, refreshToken } = await env.signIn();
		expect(location).toBe('/login?error=invalid_response');
		expect(env.as.revoked).toEqual([{ token: refreshToken, hint: 'refresh_token' }]);
	});

	it('control: a sign-in that succeeds revokes nothing', async () => {
		const env = await setup();
		const { location } = await env.signIn();
		expect(location).toBe('/dashboard');
		expect(env.as.revoked).toEqual([]);
	});
});

describe('a refresh whose answer is discarded', () => {
	async function signedInThenRefresh(idTokenClaims: Record<string, unknown> | null) {
		const env = await setup({ refreshLeewayMs: 30_000 });
		expect((await env.signIn()).location).toBe('/dashboard');
		const newRefreshToken = `rt-new-${crypto.randomUUID()}`;
		const now = Math.floor(env.clock.now / 1000);
		const idToken = idTokenClaims && (await env.as.sign({ iss: env.as.issuer, sub: 'alice', aud: 'app', iat: now, exp: now + 600, ...idTokenClaims }));
		env.as.tokenResponses.push(() =>
			Response.json({ access_token: 'at-2', token_type: 'Bearer', expires_in: 60, refresh_token: newRefreshToken, ...(idToken ? { id_token: idToken } : {}) })
		);
		env.clock.now += 45_000; // inside the leeway
		const page = await env.call('/');
		return { env, page, newRefreshToken };
	}

	it('the refreshed ID token names another subject: the session ends and the new refresh token is revoked', async () => {
		const { env, page, newRefreshToken } = await signedInThenRefresh({ sub: 'mallory' });
		expect(page.auth?.isAuthenticated).toBe(false);
		expect(env.as.revoked).toEqual([{ token: newRefreshToken, hint: 'refresh_token' }]);
	});

	it('the refreshed ID token fails oauth4webapi’s checks (another audience): the new refresh token is revoked', async () => {
		const { env, page, newRefreshToken } = await signedInThenRefresh({ aud: 'other-app' });
		expect(page.auth?.isAuthenticated).toBe(false);
		expect(env.as.revoked).toEqual([{ token: newRefreshToken, hint: 'refresh_token' }]);
	});

	it('control: a refresh that succeeds revokes nothing', async () => {
		const { env, page } = await signedInThenRefresh({});
		expect(page.auth?.isAuthenticated).toBe(true);
		expect(await (page.auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toBe('at-2');
		expect(env.as.revoked).toEqual([]);
	});
});
