// The dev identity provider made to misbehave (dev/misbehave.ts onRequest) in front of the demo's
// production build: each endpoint the relying party calls goes down, slow, 5xx, HTML or unparsable,
// and the app answers over HTTP as it would in production (never a 5xx, the documented error code,
// no session on a failed sign-in, the session kept on a transient fault, no token in a Location or
// the app's output). tests/unit/server/oidc-idp-faults.test.ts covers the same matrix case by case
// in milliseconds; this file proves it through SvelteKit's real request pipeline.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { get } from '../support/app-server.js';
import { untilTime } from '../support/eventually.js';
import { mergeCookies } from '../support/handoff-env.js';
import {
	authorize,
	BrowserCookieJar,
	fetchWithJar,
	LOGOUT,
	openSession,
	sessionCookieHeader,
	signIn,
	startOidcStack,
	whoami,
	type OidcStack
} from '../support/oidc-stack.js';

type Fault = 'down' | 'slow' | '5xx' | 'html' | 'garbage';
const FAULTS: Fault[] = ['down', 'slow', '5xx', 'html', 'garbage'];
// Far above a loopback answer on a loaded machine; the slow cases wait this long.
const TIMEOUT_MS = 1_500;
const TOKEN = /\bey[\w-]{20,}\.[\w-]{20,}/;

let stack: OidcStack;
beforeAll(async () => {
	stack = await startOidcStack({ idp: { accessTokenTtl: 2 }, env: { SSO_FETCH_USERINFO: '1', SSO_TIMEOUT_MS: String(TIMEOUT_MS) } });
});
afterAll(() => stack?.stop());
beforeEach(() => {
	stack.idp.misbehave = {};
	stack.idp.resetCounters();
});

/** Makes the IdP answer requests for `path` with `fault`, every other request as usual. */
function misbehaveAt(path: string, fault: Fault) {
	stack.idp.misbehave = {
		onRequest(req: IncomingMessage, res: ServerResponse, url: URL) {
			if (url.pathname !== path) return false;
			req.resume();
			switch (fault) {
				case 'down':
					req.socket.destroy();
					break;
				case 'slow': {
					const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), TIMEOUT_MS * 6);
					res.on('close', () => clearTimeout(timer));
					break;
				}
				case '5xx':
					res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
					break;
				case 'html':
					res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Sign in to the network</body></html>');
					break;
				case 'garbage':
					res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ {"kty": "RSA", ');
					break;
			}
			return true;
		}
	};
}

function noTokenIn(response: Response) {
	expect(response.status).toBeLessThan(500);
	expect(response.headers.get('location') ?? '').not.toMatch(TOKEN);
}

const sessionSet = (response: Response) => response.headers.getSetCookie().some((c) => /^sso(?:\.\d+)?=[^;]/.test(c));

describe('the dev IdP misbehaving in front of the production build', () => {
	it('discovery (cold cache after a restart), for every fault: the login route answers 303 to the error page; sign-in works once it answers', async () => {
		await stack.restartApp();
		for (const fault of FAULTS) {
			misbehaveAt('/.well-known/openid-configuration', fault);
			const start = await get(`${stack.app.url}/auth/login`);
			noTokenIn(start);
			expect([fault, start.status, start.headers.get('location')]).toEqual([fault, 303, `/login?error=${fault === 'slow' ? 'timeout' : 'network_error'}`]);
		}
		stack.idp.misbehave = {};
		expect((await signIn(stack, new BrowserCookieJar())).callback.headers.get('location')).toBe('/');
	});

	it('token endpoint at the code exchange, for every fault: error redirect with its code, no session', async () => {
		const expected: Record<Fault, string> = { down: 'network_error', slow: 'timeout', '5xx': 'server_error', html: 'invalid_response', garbage: 'invalid_response' };
		for (const fault of FAULTS) {
			const jar = new BrowserCookieJar();
			const { callbackUrl } = await authorize(stack, jar);
			misbehaveAt('/token', fault);
			const callback = await fetchWithJar(jar, callbackUrl);
			stack.idp.misbehave = {};
			noTokenIn(callback);
			expect([fault, callback.headers.get('location')]).toEqual([fault, `/login?error=${expected[fault]}`]);
			expect(sessionSet(callback)).toBe(false);
			expect((await whoami(stack, jar)).body.isAuthenticated).toBe(false);
		}
	});

	it('userinfo, for every fault: the sign-in fails with the code of its fault, no session', async () => {
		const expected: Record<Fault, string> = { down: 'network_error', slow: 'timeout', '5xx': 'server_error', html: 'invalid_response', garbage: 'invalid_response' };
		for (const fault of FAULTS) {
			const jar = new BrowserCookieJar();
			const { callbackUrl } = await authorize(stack, jar);
			misbehaveAt('/me', fault);
			const callback = await fetchWithJar(jar, callbackUrl);
			stack.idp.misbehave = {};
			noTokenIn(callback);
			expect([fault, callback.headers.get('location')]).toEqual([fault, `/login?error=${expected[fault]}`]);
			expect(sessionSet(callback)).toBe(false);
		}
	});

	it('token endpoint at a refresh, for every fault: down, slow and 5xx keep the session and its cookie; HTML and unparsable JSON in a 200 end it', async () => {
		for (const fault of FAULTS) {
			const jar = new BrowserCookieJar();
			await signIn(stack, jar);
			const cookie = sessionCookieHeader(stack, jar);
			const expiresAt = (await openSession(cookie))!.tokens!.expiresAt;
			await untilTime(expiresAt - 1_000); // the refresh is due within half the 2 s lifetime of expiry
			misbehaveAt('/token', fault);
			const during = await whoami(stack, cookie);
			stack.idp.misbehave = {};
			noTokenIn(during.response);
			if (fault === 'html' || fault === 'garbage') {
				expect([fault, during.body.isAuthenticated]).toEqual([fault, false]);
				expect(during.response.headers.getSetCookie().some((c) => /^sso=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
			} else {
				expect([fault, during.body.isAuthenticated]).toEqual([fault, true]);
				expect(during.response.headers.getSetCookie()).toEqual([]);
			}
		}
		expect(stack.app.output()).not.toMatch(TOKEN);
	});

	it('revocation at sign-out, for every fault: signed out anyway, 303 to the end-session endpoint', async () => {
		for (const fault of FAULTS) {
			const jar = new BrowserCookieJar();
			await signIn(stack, jar);
			const cookie = sessionCookieHeader(stack, jar);
			misbehaveAt('/token/revocation', fault);
			const out = await fetch(`${stack.app.url}${LOGOUT}`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: stack.app.url } });
			stack.idp.misbehave = {};
			expect([fault, out.status]).toEqual([fault, 303]);
			expect(new URL(out.headers.get('location')!).pathname).toBe('/session/end');
			expect(out.headers.getSetCookie().some((c) => /^sso=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
			expect((await whoami(stack, mergeCookies(cookie, out))).body.isAuthenticated).toBe(false);
		}
	});

	it('JWKS at a back-channel logout (cold cache after a restart), for every fault: the logout is not applied (503, so the provider retries) and the session stays; the next delivery with the JWKS back ends it', async () => {
		await stack.restartApp();
		const jar = new BrowserCookieJar();
		await signIn(stack, jar, { login: 'jwks-user' });
		const cookie = sessionCookieHeader(stack, jar);
		const deliver = async () => {
			const token = await stack.idp.signJwt(
				{ iss: stack.idp.issuer, aud: stack.clientId, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, sub: 'jwks-user' },
				{ typ: 'logout+jwt' }
			);
			return fetch(`${stack.app.url}/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });
		};
		// Every JWKS fault is an outage, not the token's fault: 503, so the provider retries (X13).
		const expected: Record<Fault, number> = { down: 503, slow: 503, '5xx': 503, html: 503, garbage: 503 };
		for (const fault of FAULTS) {
			misbehaveAt('/jwks', fault);
			expect([fault, (await deliver()).status]).toEqual([fault, expected[fault]]);
			expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(true);
		}
		stack.idp.misbehave = {};
		expect((await deliver()).status).toBe(200);
		expect((await whoami(stack, cookie)).body.isAuthenticated).toBe(false);
	});
});
