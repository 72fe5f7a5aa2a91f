import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandoffHandler } from '../../../src/lib/server/handoff-handler.js';
import type { HandoffOptions } from '../../../src/lib/server/config/handoff-config.js';
import { DEFAULTS } from '../../../src/lib/defaults.js';
import { mintSessionCookie } from '../../../src/lib/testing/session-minter.js';
import { fakeEvent, TEST_SECRET } from '../../support/fake-event.js';
import { startVerifyServer, withVerifyServer } from '../../support/verify-server.js';

// Production or development, as the package reads it from import.meta.env.DEV / NODE_ENV.
const mode = vi.hoisted(() => ({ development: true }));
vi.mock('../../../src/lib/environment.js', async (original) => ({
	...(await original<typeof import('../../../src/lib/environment.js')>()),
	isDevelopment: () => mode.development
}));
afterEach(() => {
	mode.development = true;
});
vi.spyOn(console, 'warn').mockImplementation(() => {});

const SECRET = TEST_SECRET;

// The handle alone (not sequence(), which needs Kit's request store), driven with SvelteKit's own
// cookie implementation and a real verify endpoint on loopback.
async function arrive(options: Partial<HandoffOptions> & { issuer: string }, query: string, cookie?: string) {
	const handle = createHandoffHandler({ clientId: 'app', secret: SECRET, allowInsecureRequests: true, origin: 'http://127.0.0.1:5173', ...options });
	const event = fakeEvent(`http://127.0.0.1:5173/page?${query}`, cookie === undefined ? {} : { cookie });
	let resolved = false;
	const response = await handle({
		event,
		resolve: async () => {
			resolved = true;
			return new Response('page');
		}
	});
	return { response, resolved, event };
}

/** The session cookies a response sets. */
const sessionCookiesSet = (response: Response) => response.headers.getSetCookie().filter((c) => c.startsWith('sso'));

// A handoff token in the shape real servers mint (base64url payload "." base64url MAC).
const TOKEN = 'eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.dGhpcy1pcy1ub3QtYS1yZWFsLW1hYy1qdXN0LWEtc2hhcGUtMzI';
const IDP_STATE = 'idp-state-12345678';

describe('createHandoffHandler', () => {
	it('sends failures to a string errorRedirect with the code, or keeps a string that names its error', async () => {
		await withVerifyServer(async (issuer) => {
			const plain = await arrive({ issuer, errorRedirect: '/signin' }, 'handoff_token=a&handoff_token=b&state=s');
			expect(plain.response.headers.get('location')).toBe('/signin?error=invalid_request');
			const named = await arrive({ issuer, errorRedirect: '/login?error=handoff_failed' }, 'handoff_token=a&handoff_token=b&state=s');
			expect(named.response.headers.get('location')).toBe('/login?error=handoff_failed');
		});
	});

	it('sends failures to errorRedirect(code) when it is a function, and never off-origin', async () => {
		await withVerifyServer(async (issuer) => {
			const fn = await arrive({ issuer, errorRedirect: (code) => (code === 'invalid_request' ? '/login?error=expired' : '/x') }, 'handoff_token=a&handoff_token=b&state=s');
			expect(fn.response.headers.get('location')).toBe('/login?error=expired');
			const evil = await arrive({ issuer, errorRedirect: () => '//evil.example/' }, 'handoff_token=a&handoff_token=b&state=s');
			expect(evil.response.headers.get('location')).toBe('/login');
		});
	});

	it("refuses IdP-initiated handoffs before any verify call with idpInitiated: 'reject' (H3 c)", async () => {
		await withVerifyServer(async (issuer, calls) => {
			const rejected = await arrive({ issuer, idpInitiated: 'reject' }, `handoff_token=${TOKEN}&state=${IDP_STATE}`);
			expect(rejected.response.headers.get('location')).toBe('/login?error=invalid_state');
			expect(calls()).toBe(0);
			const accepted = await arrive({ issuer }, `handoff_token=${TOKEN}&state=${IDP_STATE}`);
			expect(accepted.response.headers.get('location')).toBe('/page');
			expect(calls()).toBe(1);
		});
	});

	it('refuses an IdP-initiated handoff for another user in a browser with an unreadable or duplicated session cookie (cookie tossing, X2)', async () => {
		const server = await startVerifyServer('mallory');
		try {
			const { issuer } = server;
			const query = `handoff_token=${TOKEN}&state=${IDP_STATE}`;
			// The victim's own session, duplicated by a cookie tossed from a sibling domain (the names are
			// not __Host- on http), and a stray cookie that does not open: neither reads as valid.
			const victim = await mintSessionCookie({ secret: SECRET, user: { id: 'victim' }, url: 'http://127.0.0.1:5173' });
			const value = victim.cookieHeader.slice(victim.cookieHeader.indexOf('=') + 1);
			for (const cookie of [`sso=${value}; sso=tossed-by-a-sibling`, 'sso=not-a-sealed-session']) {
				const attacked = await arrive({ issuer }, query, cookie);
				expect(attacked.response.headers.get('location')).toBe('/login?error=session_conflict');
				expect(sessionCookiesSet(attacked.response)).toEqual([]);
			}
			expect(server.calls()).toBe(0);
			// control: the same request in a browser with no session cookie signs in
			const control = await arrive({ issuer }, query);
			expect(control.response.headers.get('location')).toBe('/page');
			expect(sessionCookiesSet(control.response).some((c) => c.startsWith('sso='))).toBe(true);
			expect(server.calls()).toBe(1);
			// and sessionConflict: 'replace' keeps its meaning for an unreadable cookie too
			const replaced = await arrive({ issuer, sessionConflict: 'replace' }, query, 'sso=not-a-sealed-session');
			expect(replaced.response.headers.get('location')).toBe('/page');
		} finally {
			await server.close();
		}
	});

	it('refuses tokens that cannot be genuine before any verify call, and verifies well-formed ones (X5)', async () => {
		await withVerifyServer(async (issuer, calls) => {
			const junk = [
				'tok',
				'x'.repeat(15),
				'abc&client_id=evil&handoff_token=x',
				`${'a'.repeat(20)}+/=`,
				`${'a'.repeat(20)}%`,
				'<script>alert(1)</script>',
				'токен-токен-токен-токен',
				`${TOKEN}!`,
				`${TOKEN}=`
			];
			for (const token of junk) {
				const res = await arrive({ issuer }, `handoff_token=${encodeURIComponent(token)}&state=${IDP_STATE}`);
				expect(res.response.headers.get('location'), token).toBe('/login?error=invalid_token');
			}
			expect(calls()).toBe(0);
			// control: our own format, and an opaque token of another server at the 16-character minimum
			for (const token of [TOKEN, 'opaque.Tok_en~16']) {
				const res = await arrive({ issuer }, `handoff_token=${encodeURIComponent(token)}&state=${IDP_STATE}`);
				expect(res.response.headers.get('location')).toBe('/page');
			}
			expect(calls()).toBe(2);
		});
	});

	it('bounds verify calls per client: a burst over the budget answers rate_limited with no verify call, under it verifies (X5)', async () => {
		await withVerifyServer(async (issuer, calls) => {
			let now = Date.now();
			const clock = () => now;
			const { burst, ratePerSecond } = DEFAULTS.handoff.verifyBudget;
			const query = `handoff_token=${TOKEN}&state=${IDP_STATE}`;
			for (let i = 0; i < burst; i++) {
				expect((await arrive({ issuer, clock }, query)).response.headers.get('location')).toBe('/page');
			}
			expect(calls()).toBe(burst);
			for (let i = 0; i < 3; i++) {
				expect((await arrive({ issuer, clock }, query)).response.headers.get('location')).toBe('/login?error=rate_limited');
			}
			expect(calls()).toBe(burst);
			// another client of the same server has a budget of its own
			expect((await arrive({ issuer, clock, clientId: 'other-app' }, query)).response.headers.get('location')).toBe('/page');
			expect(calls()).toBe(burst + 1);
			// the budget refills at ratePerSecond: one call's worth of time later, exactly one more is verified
			now += Math.ceil(1000 / ratePerSecond);
			expect((await arrive({ issuer, clock }, query)).response.headers.get('location')).toBe('/page');
			expect((await arrive({ issuer, clock }, query)).response.headers.get('location')).toBe('/login?error=rate_limited');
			expect(calls()).toBe(burst + 2);
		});
	});

	it('leaves requests without handoff_token to the app', async () => {
		await withVerifyServer(async (issuer, calls) => {
			const passed = await arrive({ issuer }, 'state=abc&page=2');
			expect(passed.resolved).toBe(true);
			expect(calls()).toBe(0);
		});
	});

	it('names the option it refuses at construction', () => {
		const base = { issuer: 'https://idp.example', clientId: 'app', secret: SECRET };
		expect(() => createHandoffHandler({ ...base, issuer: 'http://idp.example' })).toThrow(/createHandoffHandler: options\.issuer must use https/);
		expect(() => createHandoffHandler({ ...base, clientId: '' })).toThrow(/options\.clientId/);
		expect(() => createHandoffHandler({ ...base, errorRedirect: 'https://evil.example' })).toThrow(/options\.errorRedirect/);
		expect(() => createHandoffHandler({ ...base, timeoutMs: 0 })).toThrow(/options\.timeoutMs/);
		expect(() => createHandoffHandler({ ...base, idpInitiated: 'maybe' as 'accept' })).toThrow(/options\.idpInitiated/);
		expect(() => createHandoffHandler({ ...base, secret: 'short' })).toThrow(/options\.secret must be at least 32 bytes/);
		expect(() => createHandoffHandler(base)).not.toThrow();
	});

	it('refuses allowInsecureRequests with a remote http issuer or verify endpoint in production, as createAuthHandle does', () => {
		mode.development = false;
		const base = { clientId: 'app', secret: SECRET, allowInsecureRequests: true };
		expect(() => createHandoffHandler({ ...base, issuer: 'http://idp.example' })).toThrow(
			/createHandoffHandler: options\.allowInsecureRequests is for a local development issuer only \(got http:\/\/idp\.example in production\)/
		);
		expect(() => createHandoffHandler({ ...base, issuer: 'https://idp.example', verifyEndpoint: 'http://verify.example/v' })).toThrow(
			/options\.allowInsecureRequests is for a local development issuer only/
		);
		// The same opt-in for a loopback server stays allowed in production, and anything goes in development.
		expect(() => createHandoffHandler({ ...base, issuer: 'http://127.0.0.1:4000' })).not.toThrow();
		mode.development = true;
		expect(() => createHandoffHandler({ ...base, issuer: 'http://idp.example' })).not.toThrow();
	});
});

describe('createHandoffHandler mounted alone (found by the fuzzer)', () => {
	it('gives the page locals.auth on a request that carries handoff_token but is not a GET', async () => {
		const handle = createHandoffHandler({ issuer: 'https://alone.example', clientId: 'app', secret: TEST_SECRET, origin: 'https://app.example' });
		for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
			const event = fakeEvent('https://app.example/page?handoff_token=token-0123456789abcdef&state=s', { method });
			let seen: unknown;
			await handle({
				event,
				resolve: async (e) => {
					seen = (e.locals as { auth?: unknown }).auth;
					return new Response('page');
				}
			});
			expect(seen, method).toMatchObject({ isAuthenticated: false });
		}
	});
});
