import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FAPI_CLIENT_ID, DEV_ACR_MFA, DEV_ACR_PASSWORD } from '../../dev/clients.js';
import { startApp } from '../support/app-server.js';
import { eventually, untilTime } from '../support/eventually.js';
import {
	BrowserCookieJar,
	fetchWithJar,
	LOGIN,
	openSession,
	sessionCookieHeader,
	signIn,
	startOidcStack,
	whoami,
	type OidcStack
} from '../support/oidc-stack.js';

// The demo switched to the dev IdP's FAPI 2.0 client (SSO_PROFILE=fapi) against oidc-provider's FAPI
// 2.0 profile: PAR required, private_key_jwt (ES256), ES256 ID tokens, IPSIE session_expiry.

// /dashboard/recent needs a sign-in at most this many seconds old.
const MAX_AGE = 3;
let stack: OidcStack;
const pushed: string[] = [];
const granted: string[] = [];
beforeAll(async () => {
	stack = await startOidcStack({ publicClient: true, env: { SSO_PROFILE: 'fapi', SSO_CLIENT_ID: DEMO_FAPI_CLIENT_ID, SSO_STEP_UP_MAX_AGE: String(MAX_AGE) } });
	const provider = stack.idp.provider as unknown as { on(event: string, listener: (ctx: any) => void): void };
	provider.on('pushed_authorization_request.success', (ctx) => pushed.push(ctx.oidc.client.clientId));
	provider.on('grant.success', (ctx) => granted.push(`${ctx.oidc.client.clientId}:${ctx.oidc.params.grant_type}`));
});
afterAll(() => stack?.stop());

describe('FAPI 2.0 client against oidc-provider in FAPI 2.0 mode', () => {
	it('pushes the authorization request: the front channel carries only client_id and request_uri', async () => {
		const jar = new BrowserCookieJar();
		pushed.length = 0;
		granted.length = 0;
		const { authorizationUrl, callback } = await signIn(stack, jar, { returnTo: '/dashboard', login: 'grace' });
		const front = new URL(authorizationUrl);
		expect([...front.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
		expect(front.searchParams.get('client_id')).toBe(DEMO_FAPI_CLIENT_ID);
		expect(front.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
		expect(pushed).toEqual([DEMO_FAPI_CLIENT_ID]);
		expect(callback.status).toBe(303);
		expect(callback.headers.get('location')).toBe('/dashboard');
		// The server accepts nothing but private_key_jwt for this client, and it has no secret at all.
		expect(granted).toEqual([`${DEMO_FAPI_CLIENT_ID}:authorization_code`]);
		const client = await stack.idp.provider.Client.find(DEMO_FAPI_CLIENT_ID);
		expect(client?.tokenEndpointAuthMethod).toBe('private_key_jwt');
		expect(client?.clientSecret).toBeUndefined();
		expect(Object.keys(stack.env)).not.toContain('SSO_CLIENT_SECRET');

		const who = await whoami(stack, jar);
		expect(who.body).toMatchObject({ isAuthenticated: true, user: { id: 'grace' }, session: { source: 'oidc', acr: DEV_ACR_PASSWORD } });
		expect(who.body.session.authenticatedAt).toEqual(expect.any(Number));
	});

	it('the pushed request cannot be bypassed: the same request on the front channel is refused by the server', async () => {
		const jar = new BrowserCookieJar();
		const start = await fetchWithJar(jar, `${stack.app.url}${LOGIN}`);
		const front = new URL(start.headers.get('location')!);
		const direct = new URL('/auth', stack.idp.issuer);
		direct.search = new URLSearchParams({
			client_id: DEMO_FAPI_CLIENT_ID,
			response_type: 'code',
			scope: 'openid',
			redirect_uri: `${stack.app.url}/callback`,
			code_challenge: 'x'.repeat(43),
			code_challenge_method: 'S256'
		}).toString();
		const refused = await fetch(direct, { redirect: 'manual' });
		const answer = new URL(refused.headers.get('location')!);
		expect(answer.searchParams.get('error')).toBe('invalid_request');
		expect(answer.searchParams.get('error_description')).toMatch(/Pushed Authorization Request must be used/);
		// The SDK's own front-channel URL is accepted (control): it leads to the sign-in page.
		const accepted = await fetchWithJar(jar, front.href);
		expect(accepted.status).toBe(303);
		expect(accepted.headers.get('location')).toMatch(/\/interaction\//);
	});

	it('step-up: an ID token without the requested acr is refused; the same flow with the level met signs in', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'hopper' });
		const gate = await fetchWithJar(jar, `${stack.app.url}/dashboard/secure`);
		expect(gate.status).toBe(303);
		const stepUp = new URL(gate.headers.get('location')!, stack.app.url);
		expect(stepUp.pathname).toBe(LOGIN);
		expect(stepUp.searchParams.get('acr_values')).toBe(DEV_ACR_MFA);
		expect(stepUp.searchParams.get('prompt')).toBe('login');
		expect(stepUp.searchParams.get('redirectTo')).toBe('/dashboard/secure');

		// The user signs in with the password alone: the IdP asserts the lower level, the SDK refuses it.
		const weak = await signIn(stack, jar, { login: 'hopper', loginUrl: stepUp.href });
		expect(weak.callback.headers.get('location')).toBe('/login?error=insufficient_user_authentication');
		expect((await fetchWithJar(jar, `${stack.app.url}/dashboard/secure`)).status).toBe(303);

		// Control: the same step-up with a one-time code meets the level, and the page opens.
		const strong = await signIn(stack, jar, { login: 'hopper', otp: '123456', loginUrl: stepUp.href });
		expect(strong.callback.headers.get('location')).toBe('/dashboard/secure');
		const page = await fetchWithJar(jar, `${stack.app.url}/dashboard/secure`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain(DEV_ACR_MFA);
		expect((await openSession(sessionCookieHeader(stack, jar)))?.authn).toMatchObject({ acr: DEV_ACR_MFA, authTime: expect.any(Number) });
	});

	it('step-up: an IdP that ignores the request and asserts a lower acr leads to an error, never to access', async () => {
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'lovelace' });
		// The IdP rewrites whatever the user did into a password-only sign-in.
		stack.idp.misbehave = { onTokenResponse: stack.idp.resignIdToken((claims) => ({ ...claims, acr: DEV_ACR_PASSWORD })) };
		try {
			const refused = await signIn(stack, jar, { login: 'lovelace', otp: '123456', loginUrl: `${stack.app.url}${LOGIN}?redirectTo=%2Fdashboard%2Fsecure&acr_values=${encodeURIComponent(DEV_ACR_MFA)}&prompt=login` });
			expect(refused.callback.headers.get('location')).toBe('/login?error=insufficient_user_authentication');
			expect((await fetchWithJar(jar, `${stack.app.url}/dashboard/secure`)).status).toBe(303);
		} finally {
			stack.idp.misbehave = {};
		}
	});

	it('step-up by age: an old sign-in is sent through max_age and comes back only with a fresh auth_time', async () => {
		const jar = new BrowserCookieJar();
		const { callback } = await signIn(stack, jar, { login: 'barbara' });
		expect(callback.status).toBe(303);
		expect((await fetchWithJar(jar, `${stack.app.url}/dashboard/recent`)).status).toBe(200);
		const signedInAt = (await whoami(stack, jar)).body.session.authenticatedAt as number;
		await untilTime(signedInAt + MAX_AGE * 1000 + 1_000);

		const gate = await fetchWithJar(jar, `${stack.app.url}/dashboard/recent`);
		const stepUp = new URL(gate.headers.get('location')!, stack.app.url);
		expect(Object.fromEntries(stepUp.searchParams)).toEqual({ redirectTo: '/dashboard/recent', max_age: String(MAX_AGE) });
		// An IdP that ignores max_age and answers with the old authentication: refused.
		stack.idp.misbehave = { onTokenResponse: stack.idp.resignIdToken((claims) => ({ ...claims, auth_time: Math.floor(signedInAt / 1000) - 3600 })) };
		try {
			const ignored = await signIn(stack, jar, { login: 'barbara', loginUrl: stepUp.href });
			expect(ignored.callback.headers.get('location')).toBe('/login?error=insufficient_user_authentication');
		} finally {
			stack.idp.misbehave = {};
		}
		// Control: oidc-provider honours max_age (the old IdP session is too old: it asks again).
		const fresh = await signIn(stack, jar, { login: 'barbara', loginUrl: stepUp.href });
		expect(fresh.callback.headers.get('location')).toBe('/dashboard/recent');
		expect((await fetchWithJar(jar, `${stack.app.url}/dashboard/recent`)).status).toBe(200);
	});

	it('IPSIE session_expiry caps the session: it ends then, while a session with a later expiry lives on', async () => {
		const capped = new BrowserCookieJar();
		const free = new BrowserCookieJar();
		stack.idp.sessionExpirySeconds = 4;
		let signedInAt: number;
		try {
			signedInAt = Date.now();
			const { callback } = await signIn(stack, capped, { login: 'katherine' });
			const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('sso='))!;
			expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeLessThanOrEqual(5);
		} finally {
			stack.idp.sessionExpirySeconds = 8 * 60 * 60;
		}
		await signIn(stack, free, { login: 'dorothy' });
		const who = await whoami(stack, capped);
		expect(who.body.isAuthenticated).toBe(true);
		expect(who.body.session.idpSessionExpiresAt).toBeLessThanOrEqual(signedInAt + 5_000);
		expect(who.body.session.expiresAt).toBe(who.body.session.idpSessionExpiresAt);
		// The browser would drop the cookie at Max-Age; the server refuses it even when it is replayed.
		const replay = sessionCookieHeader(stack, capped);
		await eventually(async () => expect((await whoami(stack, replay)).body.isAuthenticated).toBe(false), { timeoutMs: 10_000 });
		expect((await whoami(stack, free)).body.isAuthenticated).toBe(true);
	});

	it('an ID token whose session_expiry has already passed signs nobody in', async () => {
		const jar = new BrowserCookieJar();
		stack.idp.sessionExpirySeconds = -60;
		try {
			const { callback } = await signIn(stack, jar, { login: 'mary' });
			expect(callback.headers.get('location')).toBe('/login?error=invalid_token');
			expect((await whoami(stack, jar)).body.isAuthenticated).toBe(false);
		} finally {
			stack.idp.sessionExpirySeconds = 8 * 60 * 60;
		}
	});
});

describe('client_secret_post against oidc-provider, with -_.~ in the client id and secret', () => {
	const POST_CLIENT_ID = 'rp-post_client.v1~test';
	const POST_CLIENT_SECRET = 'secret-with_all.four~chars-secret-with_all.four~chars';
	let post: OidcStack;
	const tokenCallAuth: string[] = [];
	beforeAll(async () => {
		post = await startOidcStack({
			env: { SSO_CLIENT_ID: POST_CLIENT_ID, SSO_CLIENT_SECRET: POST_CLIENT_SECRET, SSO_CLIENT_AUTH: 'client_secret_post' },
			clientsFor: (appOrigin) => [
				{
					client_id: POST_CLIENT_ID,
					client_secret: POST_CLIENT_SECRET,
					token_endpoint_auth_method: 'client_secret_post',
					redirect_uris: [`${appOrigin}/callback`],
					grant_types: ['authorization_code', 'refresh_token'],
					response_types: ['code']
				}
			]
		});
		const provider = post.idp.provider as unknown as { on(event: string, listener: (ctx: any) => void): void };
		provider.on('grant.success', (ctx) =>
			tokenCallAuth.push(ctx.headers.authorization === undefined && typeof ctx.oidc.params.client_secret === 'string' ? 'post' : 'other')
		);
	});
	afterAll(() => post?.stop());

	it('signs in with the id and secret in the form body', async () => {
		const jar = new BrowserCookieJar();
		const { callback } = await signIn(post, jar, { returnTo: '/dashboard' });
		expect(callback.headers.get('location')).toBe('/dashboard');
		expect((await whoami(post, jar)).body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		expect(tokenCallAuth).toEqual(['post']);
	});

	it('a client authentication the server refuses ends in invalid_client, not invalid_response', async () => {
		// The same app with a wrong secret: oidc-provider answers 401 invalid_client.
		await post.app.stop();
		post.app = await startApp({ ...post.env, SSO_CLIENT_SECRET: `${POST_CLIENT_SECRET}-wrong` }, { port: Number(new URL(post.app.url).port) });
		try {
			const jar = new BrowserCookieJar();
			const { callback } = await signIn(post, jar);
			expect(callback.headers.get('location')).toBe('/login?error=invalid_client');
			expect((await whoami(post, jar)).body.isAuthenticated).toBe(false);
		} finally {
			await post.restartApp();
		}
	});
});

describe('pushed authorization requests when the server requires them', () => {
	let required: OidcStack;
	beforeAll(async () => {
		required = await startOidcStack({ idp: { requirePushedAuthorizationRequests: true } });
	});
	afterAll(() => required?.stop());

	it('are used without any option once the metadata says require_pushed_authorization_requests', async () => {
		const jar = new BrowserCookieJar();
		const { authorizationUrl, callback } = await signIn(required, jar, { returnTo: '/dashboard' });
		expect([...new URL(authorizationUrl).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
		expect(callback.headers.get('location')).toBe('/dashboard');
		expect((await whoami(required, jar)).body.isAuthenticated).toBe(true);
	});
});
