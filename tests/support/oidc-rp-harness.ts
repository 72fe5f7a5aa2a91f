// An app (createAuthHandle driven directly with SvelteKit's own cookies) signed in against the fault
// server of fault-as-server.ts, for the fault and clock-skew tests: a browser jar, the app's clock,
// its family store, what it reported to onError and every Location it answered.
import type { RequestEvent } from '@sveltejs/kit';
import { expect } from 'vitest';
import { createSealer } from '../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';
import { createAuthHandle, type AuthHandleOptions } from '../../src/lib/server/auth-handle.js';
import type { AuthErrorInfo } from '../../src/lib/server/http/error-reporter.js';
import { InMemoryRefreshTokenFamilyStore } from '../../src/lib/stores/memory-refresh-token-family-store.js';
import type { RefreshTokenFamilyStore } from '../../src/lib/stores/refresh-token-family-store.js';
import type { ServerAuthContext } from '../../src/lib/types.js';
import { TEST_SECRET } from './fake-event.js';
import type { FaultAsServer } from './fault-as-server.js';
import { CookieJar } from './kit-cookies.js';
import { fakeEvent } from './oidc-fake-as.js';

export const APP = 'https://app.example';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Far above a loopback answer even on a loaded machine (a spurious timeout would change an outcome); the slow cases wait this long. */
export const TIMEOUT_MS = 1_000;
/**
 * What a log line or a Location header must never contain: access tokens (at-N), refresh tokens
 * (rt-N-uuid) and JWTs (the ID token; the end-session redirect's id_token_hint is checked apart).
 */
export const TOKEN = /\bat-\d+\b|\brt-\d+-|eyJ[\w-]+\.eyJ/;

/**
 * An app against `server`. `wrapStore` may put a misbehaving store around the in-memory family store
 * (which runs on the app's clock); `options.familyStore` replaces it.
 */
export function relyingParty(
	server: FaultAsServer,
	options: Partial<AuthHandleOptions> = {},
	wrapStore: (inner: InMemoryRefreshTokenFamilyStore) => RefreshTokenFamilyStore = (inner) => inner
) {
	const rest = options;
	server.clear();
	for (const endpoint of Object.keys(server.hits) as (keyof FaultAsServer['hits'])[]) server.hits[endpoint] = 0;
	const clock = { now: Date.now() };
	const store: RefreshTokenFamilyStore = (rest.familyStore as RefreshTokenFamilyStore | undefined) ?? wrapStore(new InMemoryRefreshTokenFamilyStore({ clock: () => clock.now }));
	const errors: AuthErrorInfo[] = [];
	const locations: string[] = [];
	const sealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: () => clock.now });
	// A new clock function is a new runtime for the same issuer and client: another instance of the
	// app (its own discovery cache), sharing the family store and the secret.
	const instance = () =>
		createAuthHandle({
			issuer: server.issuer,
			clientId: 'app',
			clientSecret: 'app-secret',
			origin: APP,
			secret: TEST_SECRET,
			allowInsecureRequests: true,
			timeoutMs: TIMEOUT_MS,
			refreshLeaseMs: 2 * TIMEOUT_MS,
			onError: (info) => void errors.push(info),
			...rest,
			familyStore: store,
			clock: () => clock.now
		});
	let handle = instance();
	const jar = new CookieJar();
	async function call(path: string, init: RequestInit = {}, resolve?: (event: RequestEvent) => Response | Promise<Response>) {
		const { event, kit } = fakeEvent(`${APP}${path}`, { ...init, cookie: jar.header() });
		const response = await handle({ event, resolve: async (e) => (resolve ? resolve(e) : new Response('page')) });
		// Never a 5xx from the app, whatever the provider did; the one exception is the 503 a
		// back-channel logout answers the provider (server to server) so that it retries.
		if (path !== '/auth/backchannel-logout' || response.status !== 503) expect(response.status).toBeLessThan(500);
		const location = response.headers.get('location');
		if (location) locations.push(location);
		const setCookies = [...response.headers.getSetCookie(), ...kit.setCookies()];
		jar.apply(setCookies);
		return { response, setCookies, location, auth: (event.locals as { auth?: ServerAuthContext }).auth };
	}
	async function login() {
		const start = await call('/auth/login?returnTo=/dashboard');
		return new URL(start.location!);
	}
	async function callback(authorization: URL) {
		const query = new URLSearchParams({ code: server.as.issueCode(authorization.href), state: authorization.searchParams.get('state')!, iss: server.issuer });
		return call(`/auth/callback?${query}`);
	}
	async function signIn() {
		const done = await callback(await login());
		expect(done.location).toBe('/dashboard');
		return done;
	}
	const logout = () => call('/auth/logout', { method: 'POST', headers: { origin: APP } });
	async function backchannel(extra: Record<string, unknown> = {}) {
		const token = await server.as.sign({
			iss: server.issuer,
			aud: 'app',
			iat: Math.floor(clock.now / 1000),
			jti: crypto.randomUUID(),
			events: { [EVENT]: {} },
			sub: 'alice',
			...extra
		});
		return call('/auth/backchannel-logout', {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ logout_token: token })
		});
	}
	/** The family record of the session in the jar (or of `cookieValue`), as the store holds it. */
	async function family(cookieValue = jar.values.get('__Host-sso')) {
		const opened = await sealer.open<{ s: SessionRecord }>(cookieValue ?? '');
		const id = opened?.payload.s.family?.id;
		if (!id) throw new Error('no session with a family in the jar');
		return store.findFamily(id);
	}
	return {
		server,
		as: server.as,
		clock,
		store,
		errors,
		locations,
		jar,
		call,
		login,
		callback,
		signIn,
		logout,
		backchannel,
		family,
		/** Another instance of the app (cold discovery cache), sharing store, secret and browser. */
		newInstance() {
			handle = instance();
		},
		/** No token in a Location (the end-session redirect's id_token_hint aside) or an onError report. */
		assertNoTokenLeak() {
			for (const location of locations) {
				const url = new URL(location, APP);
				url.searchParams.delete('id_token_hint');
				expect(url.href).not.toMatch(TOKEN);
			}
			expect(JSON.stringify(errors)).not.toMatch(TOKEN);
		}
	};
}

export type RelyingParty = ReturnType<typeof relyingParty>;

export const sessionWritten = (setCookies: string[]) => setCookies.some((c) => c.startsWith('__Host-sso=') && !/Max-Age=0/.test(c));
export const sessionCleared = (setCookies: string[]) => setCookies.some((c) => c.startsWith('__Host-sso=;') && /Max-Age=0/.test(c));
export const transactionCleared = (setCookies: string[], state: string) => setCookies.some((c) => c.includes(`txn_${state}=;`) && /Max-Age=0/.test(c));
/** The codes reported to onError for one phase, in order. */
export const reported = (rp: RelyingParty, phase: AuthErrorInfo['phase']) => rp.errors.filter((e) => e.phase === phase).map((e) => e.code);
