import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startDevIdp, type DevIdp } from '../../dev/idp.ts';
import {
	DEMO_CLIENT_ID,
	DEMO_CLIENT_SECRET,
	DEMO_PUBLIC_CLIENT_ID,
	HANDOFF_VERIFY_PATH,
	demoPostLogoutRedirectUris,
	demoRedirectUris,
	ownAppEnv
} from '../../dev/clients.ts';
import { BrowserCookieJar, fetchWithJar, signInAtIdp, signOutAtIdp } from '../support/idp-login.js';

// The dev IdP over real sockets on 127.0.0.1: oidc-provider's flows driven by oauth4webapi (with the
// explicit dev-only allowInsecureRequests, the IdP is plain http on loopback), plus the Smart Handoff
// routes in front of it.

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const APP_ORIGIN = 'http://127.0.0.1:5173';
const REDIRECT_URI = demoRedirectUris(APP_ORIGIN)[0];

let idp: DevIdp;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
	idp = await startDevIdp({ port: 0, appOrigin: APP_ORIGIN });
	const issuer = new URL(idp.issuer);
	as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
});

afterAll(async () => {
	await idp?.stop();
});

afterEach(() => {
	idp.misbehave = {};
	idp.resetCounters();
});

function basic(clientId: string, secret: string): string {
	return `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`)}`;
}

interface Flow {
	client: oauth.Client;
	clientAuth: oauth.ClientAuth;
	state: string;
	nonce: string;
	verifier: string;
	authorizationUrl: string;
}

async function startFlow(clientId = DEMO_CLIENT_ID): Promise<Flow> {
	const client: oauth.Client = { client_id: clientId };
	const clientAuth = clientId === DEMO_CLIENT_ID ? oauth.ClientSecretBasic(DEMO_CLIENT_SECRET) : oauth.None();
	const verifier = oauth.generateRandomCodeVerifier();
	const state = oauth.generateRandomState();
	const nonce = oauth.generateRandomNonce();
	const url = new URL(as.authorization_endpoint!);
	url.search = new URLSearchParams({
		client_id: clientId,
		redirect_uri: REDIRECT_URI,
		response_type: 'code',
		scope: 'openid email profile',
		state,
		nonce,
		code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256'
	}).toString();
	return { client, clientAuth, state, nonce, verifier, authorizationUrl: url.href };
}

async function redeemCode(flow: Flow, callbackUrl: string, verifier = flow.verifier) {
	const params = oauth.validateAuthResponse(as, flow.client, new URL(callbackUrl), flow.state);
	const response = await oauth.authorizationCodeGrantRequest(as, flow.client, flow.clientAuth, params, REDIRECT_URI, verifier, insecure);
	return oauth.processAuthorizationCodeResponse(as, flow.client, response, { expectedNonce: flow.nonce, requireIdToken: true });
}

async function signInWithCode(login = 'alice', clientId = DEMO_CLIENT_ID) {
	const flow = await startFlow(clientId);
	const { callbackUrl, jar } = await signInAtIdp(flow.authorizationUrl, { login });
	return { flow, jar, tokens: await redeemCode(flow, callbackUrl) };
}

async function refresh(refreshToken: string) {
	const client = { client_id: DEMO_CLIENT_ID };
	const response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(DEMO_CLIENT_SECRET), refreshToken, insecure);
	return oauth.processRefreshTokenResponse(as, client, response);
}

async function introspect(token: string) {
	const client = { client_id: DEMO_CLIENT_ID };
	const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(DEMO_CLIENT_SECRET), token, insecure);
	return oauth.processIntrospectionResponse(as, client, response);
}

function verifyRequest(body: Record<string, string>, authorization: string | null = basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)) {
	return fetch(`${idp.issuer}${HANDOFF_VERIFY_PATH}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
		body: JSON.stringify(body)
	});
}

describe('dev IdP: oidc-provider', () => {
	it('serves discovery for the 127.0.0.1 issuer with RFC 9207 iss and S256 PKCE', () => {
		expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
		expect(as.issuer).toBe(idp.issuer);
		expect(as.authorization_response_iss_parameter_supported).toBe(true);
		expect(as.code_challenge_methods_supported).toEqual(['S256']);
		expect(as.response_types_supported).toEqual(['code']);
		expect(as.introspection_endpoint).toBe(`${idp.issuer}/token/introspection`);
		expect(as.revocation_endpoint).toBe(`${idp.issuer}/token/revocation`);
		expect(as.end_session_endpoint).toBe(`${idp.issuer}/session/end`);
		expect(as.backchannel_logout_supported).toBe(true);
	});

	it('runs an authorization code + PKCE flow through the sign-in page for the confidential demo client', async () => {
		const { tokens } = await signInWithCode('alice');
		const claims = oauth.getValidatedIdTokenClaims(tokens)!;
		expect(claims).toMatchObject({ iss: idp.issuer, aud: DEMO_CLIENT_ID, sub: 'alice', email: 'alice@example.test', name: 'Alice' });
		expect(tokens.refresh_token).toEqual(expect.any(String));
		expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: 'alice', client_id: DEMO_CLIENT_ID });
		expect(idp.counters.tokenGrants).toEqual({ authorization_code: 1 });
		expect(idp.counters.authorizations).toBe(1);
	});

	it('runs the flow for the public demo client, which PKCE alone protects', async () => {
		const { tokens } = await signInWithCode('bob', DEMO_PUBLIC_CLIENT_ID);
		expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: 'bob', aud: DEMO_PUBLIC_CLIENT_ID });
		expect(tokens.refresh_token).toEqual(expect.any(String));
	});

	it('signs in again without a form while the IdP session lasts', async () => {
		const first = await startFlow();
		const { jar } = await signInAtIdp(first.authorizationUrl, { login: 'carol' });
		const second = await startFlow();
		const { callbackUrl } = await signInAtIdp(second.authorizationUrl, { jar, login: 'ignored' });
		expect(oauth.getValidatedIdTokenClaims(await redeemCode(second, callbackUrl))).toMatchObject({ sub: 'carol' });
	});

	it('refuses a code redeemed with another PKCE verifier (C5)', async () => {
		const flow = await startFlow();
		const { callbackUrl } = await signInAtIdp(flow.authorizationUrl);
		const error = await redeemCode(flow, callbackUrl, oauth.generateRandomCodeVerifier()).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(oauth.ResponseBodyError);
		expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
	});

	it('rotates refresh tokens; reusing a rotated one is invalid_grant and revokes the grant', async () => {
		const { tokens } = await signInWithCode('dave');
		idp.resetCounters();
		const rotated = await refresh(tokens.refresh_token!);
		expect(rotated.refresh_token).toEqual(expect.any(String));
		expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
		expect(oauth.getValidatedIdTokenClaims(rotated)).toMatchObject({ sub: 'dave' });
		expect(idp.counters.tokenGrants).toEqual({ refresh_token: 1 });

		const reuse = await refresh(tokens.refresh_token!).catch((e: unknown) => e);
		expect((reuse as oauth.ResponseBodyError).error).toBe('invalid_grant');
		// oidc-provider revokes the whole grant on reuse: the winner's new token dies too.
		const afterReuse = await refresh(rotated.refresh_token!).catch((e: unknown) => e);
		expect((afterReuse as oauth.ResponseBodyError).error).toBe('invalid_grant');
		expect(idp.counters.tokenGrants).toEqual({ refresh_token: 3 });
	});

	it('keeps the refresh token when rotation is disabled', async () => {
		const plain = await startDevIdp({ rotateRefreshTokens: false, appOrigin: APP_ORIGIN });
		try {
			const issuer = new URL(plain.issuer);
			const server = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
			const flow = await startFlow();
			const url = new URL(flow.authorizationUrl);
			const authorizationUrl = new URL(`${url.pathname}${url.search}`, plain.issuer).href;
			const { callbackUrl } = await signInAtIdp(authorizationUrl);
			const params = oauth.validateAuthResponse(server, flow.client, new URL(callbackUrl), flow.state);
			const response = await oauth.authorizationCodeGrantRequest(server, flow.client, flow.clientAuth, params, REDIRECT_URI, flow.verifier, insecure);
			const tokens = await oauth.processAuthorizationCodeResponse(server, flow.client, response, { expectedNonce: flow.nonce });
			const again = await oauth.processRefreshTokenResponse(
				server,
				flow.client,
				await oauth.refreshTokenGrantRequest(server, flow.client, flow.clientAuth, tokens.refresh_token!, insecure)
			);
			expect(again.refresh_token).toBe(tokens.refresh_token);
		} finally {
			await plain.stop();
		}
	});
});

describe('dev IdP: handoff verify endpoint over a socket', () => {
	it('answers 200 with the wire shape and real oidc-provider tokens, then invalid_grant to a replay', async () => {
		const state = 'idp-state-1';
		const handoff_token = await idp.mintHandoff({ clientId: DEMO_CLIENT_ID, sub: 'alice', state, carryOverState: { returnTo: '/x?a=1&b=%20#f' } });
		const response = await verifyRequest({ handoff_token, state, client_id: DEMO_CLIENT_ID });
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		const body = await response.json();
		expect(body).toEqual({
			token_type: 'Bearer',
			access_token: expect.any(String),
			expires_in: 3600,
			refresh_token: expect.any(String),
			client_id: DEMO_CLIENT_ID,
			session: { id: expect.any(String), expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
			user: { id: 'alice', email: 'alice@example.test', name: 'Alice' },
			carry_over_state: { returnTo: '/x?a=1&b=%20#f' }
		});
		expect(await introspect(body.access_token)).toMatchObject({ active: true, sub: 'alice', client_id: DEMO_CLIENT_ID });
		// The handoff's refresh token is accepted by the token endpoint like any other.
		const refreshed = await refresh(body.refresh_token);
		expect(oauth.getValidatedIdTokenClaims(refreshed)).toMatchObject({ sub: 'alice', aud: DEMO_CLIENT_ID });

		const replay = await verifyRequest({ handoff_token, state, client_id: DEMO_CLIENT_ID });
		expect(replay.status).toBe(400);
		expect(await replay.json()).toEqual({ error: 'invalid_grant' });
		expect(idp.counters).toMatchObject({ verifyCalls: 2, verifySuccesses: 1, handoffsMinted: 1 });
		expect(idp.counters.tokenGrants).toEqual({ refresh_token: 1 });
	});

	it('answers 401 to the confidential demo client without its secret, and 200 with it', async () => {
		const state = 'idp-state-2';
		const handoff_token = await idp.mintHandoff({ clientId: DEMO_CLIENT_ID, sub: 'alice', state });
		const body = { handoff_token, state, client_id: DEMO_CLIENT_ID };
		expect((await verifyRequest(body, null)).status).toBe(401);
		expect((await verifyRequest(body, basic(DEMO_CLIENT_ID, 'wrong'))).status).toBe(401);
		expect((await verifyRequest(body)).status).toBe(200);
	});

	it('accepts the public demo client without credentials', async () => {
		const state = 'idp-state-3';
		const handoff_token = await idp.mintHandoff({ clientId: DEMO_PUBLIC_CLIENT_ID, sub: 'erin', state });
		const response = await verifyRequest({ handoff_token, state, client_id: DEMO_PUBLIC_CLIENT_ID }, null);
		expect(response.status).toBe(200);
		expect((await response.json()).user.id).toBe('erin');
	});
});

describe('dev IdP: app-initiated handoff', () => {
	function handoffUrl(params: Record<string, string>) {
		const url = new URL('/auth', idp.issuer);
		url.search = new URLSearchParams({
			handoff: 'true',
			prompt: 'none',
			client_id: DEMO_CLIENT_ID,
			redirect_uri: REDIRECT_URI,
			state: 'app-state-1',
			...params
		}).toString();
		return url.href;
	}

	it('answers login_required with state and iss when there is no IdP session', async () => {
		const response = await fetch(handoffUrl({}), { redirect: 'manual' });
		expect(response.status).toBe(303);
		const location = new URL(response.headers.get('location')!);
		expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
		expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'login_required', state: 'app-state-1', iss: idp.issuer });
		expect(idp.counters).toMatchObject({ handoffAuthorizations: 1, handoffsMinted: 0, authorizations: 0 });
	});

	it('with an IdP session, returns a handoff token bound to the app’s state that the verify endpoint redeems', async () => {
		const { jar } = await signInAtIdp((await startFlow()).authorizationUrl, { login: 'frank' });
		const response = await fetchWithJar(jar, handoffUrl({ state: 'app-state-2' }));
		expect(response.status).toBe(303);
		expect(response.headers.get('referrer-policy')).toBe('no-referrer');
		const location = new URL(response.headers.get('location')!);
		expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
		expect([...location.searchParams.keys()]).toEqual(['handoff_token', 'state']);
		expect(location.searchParams.get('state')).toBe('app-state-2');
		const handoff_token = location.searchParams.get('handoff_token')!;

		const wrongState = await verifyRequest({ handoff_token, state: 'app-state-1', client_id: DEMO_CLIENT_ID });
		expect(await wrongState.json()).toEqual({ error: 'invalid_grant' });
		const verified = await verifyRequest({ handoff_token, state: 'app-state-2', client_id: DEMO_CLIENT_ID });
		expect(verified.status).toBe(200);
		expect((await verified.json()).user.id).toBe('frank');
	});

	it('never redirects to an unregistered redirect_uri or for an unknown client', async () => {
		const bad = [
			handoffUrl({ redirect_uri: 'https://evil.example/auth/callback' }),
			handoffUrl({ redirect_uri: `${REDIRECT_URI}/` }),
			handoffUrl({ redirect_uri: `${REDIRECT_URI}?x=1` }),
			handoffUrl({ client_id: 'nobody' }),
			`${handoffUrl({})}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`
		];
		for (const url of bad) {
			const response = await fetch(url, { redirect: 'manual' });
			expect(response.status).toBe(400);
			expect(response.headers.get('location')).toBeNull();
		}
		const good = await fetch(handoffUrl({}), { redirect: 'manual' });
		expect(good.status).toBe(303);
	});

	it('answers invalid_request without a state or with a prompt other than none', async () => {
		const noState = new URL(handoffUrl({}));
		noState.searchParams.delete('state');
		const response = await fetch(noState, { redirect: 'manual' });
		expect(Object.fromEntries(new URL(response.headers.get('location')!).searchParams)).toEqual({
			error: 'invalid_request',
			iss: idp.issuer
		});
		const prompt = await fetch(handoffUrl({ prompt: 'login' }), { redirect: 'manual' });
		expect(new URL(prompt.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
	});
});

describe('dev IdP: portal', () => {
	async function signInAtPortal(login: string, target?: string) {
		const jar = new BrowserCookieJar();
		const start = await fetchWithJar(jar, `${idp.issuer}/portal/sign-in${target ? `?target=${encodeURIComponent(target)}` : ''}`);
		expect(start.status).toBe(303);
		const { callbackUrl } = await signInAtIdp(new URL(start.headers.get('location')!, idp.issuer).href, { jar, login });
		const back = await fetchWithJar(jar, callbackUrl);
		expect(back.status).toBe(303);
		const home = await fetchWithJar(jar, new URL(back.headers.get('location')!, idp.issuer).href);
		return { jar, html: await home.text() };
	}

	function csrfOf(html: string) {
		return /name="csrf" value="([^"]+)"/.exec(html)![1];
	}

	function openApp(jar: BrowserCookieJar, form: Record<string, string>, headers: Record<string, string> = {}) {
		return fetchWithJar(jar, `${idp.issuer}/portal/open-app`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', origin: idp.issuer, ...headers },
			body: new URLSearchParams(form)
		});
	}

	it('shows a Sign in button without an IdP session', async () => {
		const response = await fetch(`${idp.issuer}/`);
		expect(response.status).toBe(200);
		const html = await response.text();
		expect(html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
		expect(html).not.toContain('Open App');
	});

	it('after sign-in shows the user and an Open App form that hands the user off to the app', async () => {
		const { jar, html } = await signInAtPortal('grace', '/dashboard?tab=1');
		expect(html).toContain('<strong data-testid="user-name">Grace</strong>');
		expect(html).toContain('Open App');
		const response = await openApp(jar, { csrf: csrfOf(html), target: '/dashboard?tab=1' });
		expect(response.status).toBe(303);
		const location = new URL(response.headers.get('location')!);
		expect(`${location.origin}${location.pathname}`).toBe(`${APP_ORIGIN}/dashboard`);
		expect([...location.searchParams.keys()]).toEqual(['tab', 'handoff_token', 'state']);
		const verified = await verifyRequest({
			handoff_token: location.searchParams.get('handoff_token')!,
			state: location.searchParams.get('state')!,
			client_id: DEMO_CLIENT_ID
		});
		expect(verified.status).toBe(200);
		expect((await verified.json()).user.id).toBe('grace');
	});

	it('mints a fresh random state for every Open App', async () => {
		const { jar, html } = await signInAtPortal('heidi');
		const states = new Set<string>();
		for (let i = 0; i < 3; i++) {
			const response = await openApp(jar, { csrf: csrfOf(html) });
			const location = new URL(response.headers.get('location')!);
			expect(`${location.origin}${location.pathname}`).toBe(`${APP_ORIGIN}/`);
			states.add(location.searchParams.get('state')!);
		}
		expect(states.size).toBe(3);
	});

	it('refuses Open App without the CSRF token, from another origin, or cross-site', async () => {
		const { jar, html } = await signInAtPortal('ivan');
		const csrf = csrfOf(html);
		expect((await openApp(jar, {})).status).toBe(403);
		expect((await openApp(jar, { csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` })).status).toBe(403);
		expect((await openApp(jar, { csrf }, { origin: 'https://evil.example' })).status).toBe(403);
		expect((await openApp(jar, { csrf }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
		expect((await openApp(new BrowserCookieJar(), { csrf })).headers.get('location')).toBe('/');
		expect(idp.counters.handoffsMinted).toBe(0);
		expect((await openApp(jar, { csrf })).status).toBe(303);
		expect(idp.counters.handoffsMinted).toBe(1);
	});

	it('keeps Open App targets on the app origin (C13)', async () => {
		const { jar, html } = await signInAtPortal('judy');
		for (const target of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', `${APP_ORIGIN}.evil.example/`, 'javascript:alert(1)']) {
			const response = await openApp(jar, { csrf: csrfOf(html), target });
			const location = new URL(response.headers.get('location')!);
			expect(location.origin).toBe(APP_ORIGIN);
			expect(location.pathname).toBe('/');
		}
	});

	it('escapes what it shows', async () => {
		const { html } = await signInAtPortal('<img src=x onerror=alert(1)>', '"><script>alert(1)</script>');
		expect(html).not.toContain('<img src=x');
		expect(html).not.toContain('<script>alert(1)</script>');
		expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
	});
});

describe('dev IdP: its own pages', () => {
	/** Follows redirects inside the IdP until a page is shown; stops at the first redirect elsewhere. */
	async function open(jar: BrowserCookieJar, url: string, init: RequestInit = {}) {
		let response = await fetchWithJar(jar, url, init);
		let at = url;
		for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop++) {
			const next = new URL(response.headers.get('location')!, at);
			if (next.origin !== idp.issuer) break;
			at = next.href;
			response = await fetchWithJar(jar, at);
		}
		return { response, url: at, html: response.headers.get('content-type')?.startsWith('text/html') ? await response.text() : '' };
	}

	function post(jar: BrowserCookieJar, url: string, form: Record<string, string>) {
		return fetchWithJar(jar, url, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(form)
		});
	}

	/** What every page of the dev IdP must be: its own look, labelled inputs, nothing from elsewhere. */
	function expectOwnPage(response: Response, html: string) {
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		const csp = response.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).not.toMatch(/https?:\/\/(?!127\.0\.0\.1[:/])/);
		expect(html).toContain('<html lang="en">');
		expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
		expect(html).toContain('Dev identity provider');
		expect(html).toContain('--accent: #3554d1'); // the demo's design tokens
		// Nothing from another host: no web font, stylesheet, image or script.
		expect(html).not.toMatch(/@import|fonts\.googleapis|<link rel="stylesheet"|<img|<script src/i);
		expect(html.match(/(?:src|href|action)="https?:\/\/[^"]+"/g)?.filter((m) => !m.includes('127.0.0.1')) ?? []).toEqual([]);
		expect(html).not.toMatch(/DEBUG|SESSION <br>|PARAMS <br>/);
		// Every visible input has a <label for> naming it.
		const ids = [...html.matchAll(/<input\b(?![^>]*type="hidden")[^>]*>/g)].map((m) => /\bid="([^"]+)"/.exec(m[0])?.[1]);
		for (const id of ids) {
			expect(id, 'an input without an id cannot have a <label for>').toBeDefined();
			expect(html).toMatch(new RegExp(`<label for="${id}">[^<]+</label>`));
		}
		return ids.length;
	}

	async function authorize(jar: BrowserCookieJar, extra: Record<string, string> = {}) {
		const flow = await startFlow();
		const url = new URL(flow.authorizationUrl);
		for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
		return { flow, ...(await open(jar, url.href)) };
	}

	it('signs in on a labelled form in the demo’s look, with no debug block and nothing from another host', async () => {
		const jar = new BrowserCookieJar();
		const { response, html, url } = await authorize(jar);
		expect(new URL(url).pathname).toMatch(/^\/interaction\/[\w-]+$/);
		expect(response.status).toBe(200);
		expect(expectOwnPage(response, html)).toBe(3);
		expect(html).toContain('<label for="login">User name</label>');
		expect(html).toContain('<label for="otp">One-time code (optional)</label>');
		expect(html).toContain('<label for="password">Password</label>');
		expect(html).toMatch(/<input id="login" name="login" type="text"[^>]*autocomplete="username"[^>]*required/);
		expect(html).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password" required/);
		expect(html).toContain('to continue to <strong>sveltekit-sso demo</strong>');
		expect(response.headers.get('cache-control')).toBe('no-store');
		// The form posts to the IdP, which then redirects to the app: form-action allows both.
		expect(response.headers.get('content-security-policy')).toContain(`form-action 'self' ${APP_ORIGIN}`);

		const submitted = await post(jar, url, { prompt: 'login', login: 'mona', password: 'x' });
		expect(submitted.status).toBe(303);
		const back = await open(jar, new URL(submitted.headers.get('location')!, url).href);
		expect(back.response.status).toBe(303);
		expect(back.response.headers.get('location')).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
	});

	it('asks again for an empty user name, and refuses a form for another step', async () => {
		const jar = new BrowserCookieJar();
		const { url } = await authorize(jar);
		const empty = await post(jar, url, { prompt: 'login', login: '  ', password: 'x' });
		expect(empty.status).toBe(400);
		const html = await empty.text();
		expect(html).toContain('role="alert"');
		expect(html).toContain('Enter a user name');
		expect((await post(jar, url, { prompt: 'consent' })).status).toBe(400);
	});

	it('shows consent when the app asks for it (prompt=consent): what it gets, Allow and Cancel', async () => {
		const jar = new BrowserCookieJar();
		const first = await authorize(jar, { prompt: 'consent', scope: 'openid profile email offline_access' });
		const login = await post(jar, first.url, { prompt: 'login', login: 'nora', password: 'x' });
		const consent = await open(jar, new URL(login.headers.get('location')!, first.url).href);
		expect(consent.response.status).toBe(200);
		expect(expectOwnPage(consent.response, consent.html)).toBe(0);
		expect(consent.html).toContain('<h1>Allow access?</h1>');
		for (const text of ['Know who you are', 'See your name', 'See your e-mail address', 'Keep you signed in while you are away']) {
			expect(consent.html).toContain(text);
		}
		expect(consent.html).toContain('Signed in as <strong>Nora</strong>');
		expect(consent.html).toMatch(/<form action="[^"]+" method="post">\s*<input type="hidden" name="prompt" value="consent">/);
		expect(consent.html).toContain(`href="/interaction/${consent.url.split('/').pop()}/abort"`);

		const allowed = await post(jar, consent.url, { prompt: 'consent' });
		const done = await open(jar, new URL(allowed.headers.get('location')!, consent.url).href);
		const callback = new URL(done.response.headers.get('location')!);
		expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
		const tokens = await redeemCode(first.flow, callback.href);
		expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);
	});

	it('Cancel sends the app access_denied', async () => {
		const jar = new BrowserCookieJar();
		const { url, flow } = await authorize(jar);
		const cancelled = await open(jar, `${url}/abort`);
		const callback = new URL(cancelled.response.headers.get('location')!);
		expect(callback.searchParams.get('error')).toBe('access_denied');
		expect(callback.searchParams.get('state')).toBe(flow.state);
	});

	it('answers an interaction that is unknown, expired or another one’s with its own error page', async () => {
		const stale = await fetch(`${idp.issuer}/interaction/no-such-interaction`);
		expect(stale.status).toBe(400);
		const html = await stale.text();
		expectOwnPage(stale, html);
		expect(html).toContain('Error code: <code>session_not_found</code>');
		const jar = new BrowserCookieJar();
		const { url } = await authorize(jar);
		const other = await fetchWithJar(jar, `${url.replace(/[^/]+$/, 'someone-elses')}`);
		expect(other.status).toBe(400);
	});

	it('renders oidc-provider’s errors (renderError) as its own page', async () => {
		const url = new URL((await startFlow()).authorizationUrl);
		url.searchParams.set('redirect_uri', 'https://elsewhere.example/callback');
		const response = await fetch(url, { redirect: 'manual' });
		expect(response.status).toBe(400);
		const html = await response.text();
		expectOwnPage(response, html);
		expect(html).toContain('Error code: <code>invalid_redirect_uri</code>');
		expect(html).not.toContain('oops');
	});

	async function signedInJar(login: string) {
		const flow = await startFlow();
		const { jar, callbackUrl } = await signInAtIdp(flow.authorizationUrl, { login });
		return { jar: jar as BrowserCookieJar, tokens: await redeemCode(flow, callbackUrl) };
	}

	it('an app’s sign-out passes through a page that submits itself: one click in the app, no question', async () => {
		const { jar, tokens } = await signedInJar('olga');
		const endSession = new URL(as.end_session_endpoint!);
		endSession.search = new URLSearchParams({
			id_token_hint: tokens.id_token!,
			client_id: DEMO_CLIENT_ID,
			post_logout_redirect_uri: demoPostLogoutRedirectUris(APP_ORIGIN)[0],
			state: 'bye'
		}).toString();
		const { response, html } = await open(jar, endSession.href);
		expect(response.status).toBe(200);
		expectOwnPage(response, html);
		expect(html).toContain('Signing you out…');
		expect(html).toContain('<input type="hidden" name="logout" value="yes">');
		expect(html).toMatch(/<noscript><button type="submit"[^>]*>Continue<\/button><\/noscript>/);
		// The only script is the one that submits the form, allowed by its hash and nothing else.
		const scripts = [...html.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]);
		expect(scripts).toHaveLength(1);
		const hash = createHash('sha256').update(scripts[0]).digest('base64');
		expect(response.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}';`);
		expect(response.headers.get('content-security-policy')).toContain(`form-action 'self' ${APP_ORIGIN}`);
		// The app that sends its user here without an ID token (a handoff session) is treated alike.
		const withoutHint = new URL(endSession);
		withoutHint.searchParams.delete('id_token_hint');
		expect((await open(jar, withoutHint.href)).html).toContain('Signing you out…');
		// What the script submits, and where the IdP then sends the browser: the app, with its state.
		const { redirectUrl } = await signOutAtIdp(endSession.href, { jar });
		expect(redirectUrl).toBe(`${APP_ORIGIN}/?state=bye`);
	});

	it('asks before signing out when no app asked, then says it is done', async () => {
		const { jar } = await signedInJar('pia');
		const question = await open(jar, `${idp.issuer}/session/end`);
		expect(question.response.status).toBe(200);
		expectOwnPage(question.response, question.html);
		expect(question.html).toContain('<h1>Sign out?</h1>');
		expect(question.html).toContain('Signed in as <strong>Pia</strong>');
		expect(question.html).toMatch(/<button type="submit" form="op\.logoutForm" name="logout" value="yes"[^>]*>Sign out<\/button>/);
		expect(question.html).not.toContain('<script');
		const { redirectUrl } = await signOutAtIdp(`${idp.issuer}/session/end`, { jar });
		expect(new URL(redirectUrl).pathname).toBe('/session/end/success');
		const done = await open(jar, redirectUrl);
		expectOwnPage(done.response, done.html);
		expect(done.html).toContain('<h1>You are signed out</h1>');
		expect(done.html).toContain('role="status"');
	});

	it('without an IdP session, the end-session page still looks its own and submits itself', async () => {
		const endSession = new URL(as.end_session_endpoint!);
		endSession.search = new URLSearchParams({ client_id: DEMO_CLIENT_ID, post_logout_redirect_uri: `${APP_ORIGIN}/`, state: 's' }).toString();
		const { response, html } = await open(new BrowserCookieJar(), endSession.href);
		expect(response.status).toBe(200);
		expectOwnPage(response, html);
		expect(html).toContain('Signing you out…');
		expect(html).not.toContain('Submitting Callback');
	});

	it('the portal is one of its pages too', async () => {
		const response = await fetch(`${idp.issuer}/`);
		expectOwnPage(response, await response.text());
	});
});

describe('dev IdP: start-up', () => {
	const root = fileURLToPath(new URL('../..', import.meta.url));

	it('npm run dev:idp prints where it is and the .env of your own app, with no oidc-provider warning', async () => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'dev/idp-cli.ts'], {
			cwd: root,
			env: { ...process.env, IDP_PORT: '0', APP_ORIGIN: 'http://127.0.0.1:5199', FORCE_COLOR: '0' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
		try {
			await expect.poll(() => stdout, { timeout: 20_000, interval: 100 }).toContain('AUTH_SECRET');
		} finally {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
		}
		const issuer = /Dev identity provider {2}(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
		expect(issuer).toBeDefined();
		const lines = stdout.split('\n');
		for (const line of ownAppEnv(issuer!, 'http://127.0.0.1:5199')) expect(lines).toContain(line);
		expect(lines).toContain(`SSO_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`);
		expect(lines).toContain('ORIGIN=http://127.0.0.1:5199');
		expect(stderr).toBe('');
		expect(stdout).not.toContain('oidc-provider');
	});

	it('the README shows exactly the lines the IdP prints for its default ports', () => {
		const readme = readFileSync(`${root}README.md`, 'utf8');
		expect(readme).toContain(['```sh', ...ownAppEnv('http://127.0.0.1:4000', 'http://127.0.0.1:5173'), '```'].join('\n'));
	});
});

describe('dev IdP: logout', () => {
	it('ends the IdP session on RP-initiated logout and sends the app a signed back-channel logout token', async () => {
		// A stand-in for the app at its origin, recording what the IdP posts to it.
		const received: Array<{ path: string; body: string }> = [];
		const app = createServer((req, res) => {
			let body = '';
			req.on('data', (chunk) => (body += chunk));
			req.on('end', () => {
				received.push({ path: req.url ?? '', body });
				res.writeHead(200).end();
			});
		});
		await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
		const appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
		const other = await startDevIdp({ appOrigin });
		try {
			const issuer = new URL(other.issuer);
			const server = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
			const client = { client_id: DEMO_CLIENT_ID };
			const clientAuth = oauth.ClientSecretBasic(DEMO_CLIENT_SECRET);
			const redirectUri = demoRedirectUris(appOrigin)[0];
			const verifier = oauth.generateRandomCodeVerifier();
			const authorize = new URL(server.authorization_endpoint!);
			authorize.search = new URLSearchParams({
				client_id: DEMO_CLIENT_ID,
				redirect_uri: redirectUri,
				response_type: 'code',
				scope: 'openid email',
				state: 's1',
				code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
				code_challenge_method: 'S256'
			}).toString();
			const { callbackUrl, jar } = await signInAtIdp(authorize.href, { login: 'lena' });
			const params = oauth.validateAuthResponse(server, client, new URL(callbackUrl), 's1');
			const tokens = await oauth.processAuthorizationCodeResponse(
				server,
				client,
				await oauth.authorizationCodeGrantRequest(server, client, clientAuth, params, redirectUri, verifier, insecure)
			);
			const idClaims = oauth.getValidatedIdTokenClaims(tokens)!;
			expect(idClaims.sid).toEqual(expect.any(String));

			const endSession = new URL(server.end_session_endpoint!);
			endSession.search = new URLSearchParams({
				id_token_hint: tokens.id_token!,
				post_logout_redirect_uri: `${appOrigin}/`,
				state: 'bye'
			}).toString();
			const { redirectUrl } = await signOutAtIdp(endSession.href, { jar });
			expect(redirectUrl).toBe(`${appOrigin}/?state=bye`);

			expect(received.map((r) => r.path)).toEqual(['/auth/backchannel-logout']);
			const logoutToken = new URLSearchParams(received[0].body).get('logout_token')!;
			const jwks = createLocalJWKSet(await (await fetch(`${other.issuer}/jwks`)).json());
			const { payload } = await jwtVerify(logoutToken, jwks, { issuer: other.issuer, audience: DEMO_CLIENT_ID });
			expect(payload).toMatchObject({ sub: 'lena', sid: idClaims.sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

			// The IdP session is gone: an app-initiated handoff now needs a login.
			const handoff = new URL('/auth', other.issuer);
			handoff.search = new URLSearchParams({ handoff: 'true', prompt: 'none', client_id: DEMO_CLIENT_ID, redirect_uri: redirectUri, state: 'x' }).toString();
			const response = await fetchWithJar(jar, handoff.href);
			expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('login_required');
			expect(other.counters.endSessions).toBe(1);
		} finally {
			await other.stop();
			await new Promise((resolve) => app.close(resolve));
		}
	});
});

describe('dev IdP: misbehaviour hooks', () => {
	it('re-signs the ID token after changing its nonce, and the relying party’s nonce check rejects it (I1)', async () => {
		idp.misbehave = { onTokenResponse: idp.resignIdToken((claims) => ({ ...claims, nonce: 'attacker-nonce' })) };
		const flow = await startFlow();
		const { callbackUrl } = await signInAtIdp(flow.authorizationUrl);
		await expect(redeemCode(flow, callbackUrl)).rejects.toThrow('unexpected ID Token "nonce" claim value');

		idp.misbehave = {};
		const clean = await startFlow();
		const { callbackUrl: cleanCallback } = await signInAtIdp(clean.authorizationUrl);
		expect(oauth.getValidatedIdTokenClaims(await redeemCode(clean, cleanCallback))).toMatchObject({ sub: 'alice' });
	});

	it('rewrites the authorization redirect, e.g. dropping iss (C7)', async () => {
		idp.misbehave = {
			onAuthorizationRedirect(url) {
				url.searchParams.delete('iss');
				return url;
			}
		};
		const flow = await startFlow();
		const { callbackUrl } = await signInAtIdp(flow.authorizationUrl);
		expect(new URL(callbackUrl).searchParams.has('iss')).toBe(false);
		expect(() => oauth.validateAuthResponse(as, flow.client, new URL(callbackUrl), flow.state)).toThrow(
			'response parameter "iss" (issuer) missing'
		);
		idp.misbehave = {};
		const clean = await startFlow();
		expect(new URL((await signInAtIdp(clean.authorizationUrl)).callbackUrl).searchParams.get('iss')).toBe(idp.issuer);
	});

	it('counts in place: resetCounters zeroes the object tests hold', async () => {
		const counters = idp.counters;
		await signInWithCode('ken');
		expect(counters.tokenGrants.authorization_code).toBe(1);
		idp.resetCounters();
		expect(counters.tokenGrants).toEqual({});
		expect(counters.authorizations).toBe(0);
		expect(idp.counters).toBe(counters);
	});
});
