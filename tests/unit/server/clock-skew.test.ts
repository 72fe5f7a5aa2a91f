// Clock skew of ±5 minutes between the app and the authorization server, for each time-checked
// token the app meets: ID tokens (iat, exp), back-channel logout tokens (iat, their maximum age) and
// Smart Handoff tokens (minted and redeemed by the provider's createHandoffIssuer on its own clock).
// The app's clock is the injected `clock` option; the servers are real HTTP servers on loopback that
// run on the system clock (or, for the handoff provider, a clock of its own).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { serveWebHandler } from '../../../dev/node-adapter.js';
import { createHandoffIssuer, createHandoffVerifyEndpoint } from '../../../src/lib/provider/index.js';
import { createHandoffHandler } from '../../../src/lib/server/handoff-handler.js';
import { InMemoryHandoffStateStore } from '../../../src/lib/stores/memory-handoff-state-store.js';
import type { ServerAuthContext } from '../../../src/lib/types.js';
import { fakeEvent, TEST_SECRET } from '../../support/fake-event.js';
import { startFaultAs, type FaultAsServer } from '../../support/fault-as-server.js';
import { json } from '../../support/oidc-fake-as.js';
import { relyingParty, reported, sessionWritten, type RelyingParty } from '../../support/oidc-rp-harness.js';

const MINUTE = 60_000;
const SKEW = 5 * MINUTE;

let server: FaultAsServer;
beforeAll(async () => {
	server = await startFaultAs();
});
afterAll(() => server?.close());
beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

/** The app's clock `offsetMs` away from the server's (the system clock), following real time. */
function skewed(offsetMs: number): RelyingParty {
	const rp = relyingParty(server);
	const clock = rp.clock;
	Object.defineProperty(clock, 'now', { get: () => Date.now() + offsetMs, configurable: true });
	return rp;
}

describe('ID tokens (iat, exp) with the app clock skewed', () => {
	it('app 5 minutes ahead: the sign-in succeeds (iat lies in the past, exp well ahead)', async () => {
		const rp = skewed(+SKEW);
		await rp.signIn();
		expect((await rp.call('/')).auth?.isAuthenticated).toBe(true);
	});

	it('app 5 minutes behind: every ID token looks issued in the future, refused with invalid_token, no session (I4: 60 s tolerance)', async () => {
		const rp = skewed(-SKEW);
		const done = await rp.callback(await rp.login());
		expect(done.location).toBe('/login?error=invalid_token');
		expect(sessionWritten(done.setCookies)).toBe(false);
		expect((await rp.call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('the tolerance for an iat ahead of the app is 60 s: 50 s behind signs in, 70 s behind is refused', async () => {
		await skewed(-50_000).signIn();
		const behind = skewed(-70_000);
		expect((await behind.callback(await behind.login())).location).toBe('/login?error=invalid_token');
	});

	it('exp is checked on the injected clock (oauth4webapi follows it): app 5 minutes ahead refuses an ID token that expired 3 minutes ago by its clock', async () => {
		const rp = skewed(+SKEW);
		const authorization = await rp.login();
		const now = Math.floor(Date.now() / 1000);
		server.as.tokenResponses.push(async () =>
			json({
				access_token: 'at-skew-1',
				token_type: 'Bearer',
				expires_in: 600,
				id_token: await server.as.sign({ iss: server.issuer, sub: 'alice', aud: 'app', iat: now, exp: now + 120, nonce: authorization.searchParams.get('nonce') })
			})
		);
		const done = await rp.callback(authorization);
		expect(done.location).toBe('/login?error=invalid_token');
	});

	it('an ID token expired by the system clock but not by the injected one is accepted: one clock decides', async () => {
		const rp = skewed(-SKEW);
		const authorization = await rp.login();
		const now = Math.floor(Date.now() / 1000);
		server.as.tokenResponses.push(async () =>
			json({
				access_token: 'at-skew-2',
				token_type: 'Bearer',
				expires_in: 600,
				id_token: await server.as.sign({ iss: server.issuer, sub: 'alice', aud: 'app', iat: now - 600, exp: now - 120, nonce: authorization.searchParams.get('nonce') })
			})
		);
		expect((await rp.callback(authorization)).location).toBe('/dashboard');
	});
});

describe('back-channel logout tokens (iat, maximum age 10 minutes + 60 s) with the app clock skewed', () => {
	const issuedAt = (msAgo = 0) => Math.floor((Date.now() - msAgo) / 1000);

	it('app 5 minutes ahead: a fresh logout token is accepted and ends the session', async () => {
		const rp = skewed(+SKEW);
		await rp.signIn();
		expect((await rp.backchannel({ iat: issuedAt() })).response.status).toBe(200);
		expect((await rp.call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('app 5 minutes ahead: the maximum age shrinks by the skew: a token issued 6.5 minutes ago is refused (400), accepted by an app on time', async () => {
		const ahead = skewed(+SKEW);
		await ahead.signIn();
		const refused = await ahead.backchannel({ iat: issuedAt(6.5 * MINUTE) });
		expect(refused.response.status).toBe(400);
		expect(reported(ahead, 'backchannel-logout')).toEqual(['invalid_token']);
		expect((await ahead.call('/')).auth?.isAuthenticated).toBe(true);

		const onTime = skewed(0);
		await onTime.signIn();
		expect((await onTime.backchannel({ iat: issuedAt(6.5 * MINUTE) })).response.status).toBe(200);
		expect((await onTime.call('/')).auth?.isAuthenticated).toBe(false);
	});

	it('app 5 minutes behind: a fresh logout token looks issued in the future and is refused (400), the session stays; 50 s behind is within the 60 s tolerance', async () => {
		const behind = skewed(-SKEW);
		// Signed in while the clocks agreed; the app's clock fell behind afterwards.
		Object.defineProperty(behind.clock, 'now', { get: () => Date.now(), configurable: true });
		await behind.signIn();
		Object.defineProperty(behind.clock, 'now', { get: () => Date.now() - SKEW, configurable: true });
		const refused = await behind.backchannel({ iat: issuedAt() });
		expect(refused.response.status).toBe(400);
		expect(reported(behind, 'backchannel-logout')).toEqual(['invalid_token']);
		expect((await behind.call('/')).auth?.isAuthenticated).toBe(true);

		const slightly = skewed(-50_000);
		await slightly.signIn();
		expect((await slightly.backchannel({ iat: issuedAt() })).response.status).toBe(200);
		expect((await slightly.call('/')).auth?.isAuthenticated).toBe(false);
	});
});

describe('handoff tokens: the provider mints and redeems on its own clock, the app never reads their times', () => {
	const APP_ORIGIN = 'http://127.0.0.1:5173';
	let verifyServer: Server;
	let issuer: string;
	const provider = { offsetMs: 0 };
	const store = new InMemoryHandoffStateStore({ clock: () => Date.now() + provider.offsetMs });
	let handoff: ReturnType<typeof createHandoffIssuer>;

	beforeAll(async () => {
		verifyServer = createServer((req, res) => void serveWebHandler((request) => verify(request), req, res, issuer));
		await new Promise<void>((resolve) => verifyServer.listen(0, '127.0.0.1', resolve));
		issuer = `http://127.0.0.1:${(verifyServer.address() as AddressInfo).port}`;
		handoff = createHandoffIssuer({ issuer, secret: TEST_SECRET, store, ttlSeconds: 60, clock: () => Date.now() + provider.offsetMs });
		const endpoint = createHandoffVerifyEndpoint({
			issuer: handoff,
			clients: { app: { secret: 'app-secret' } },
			issueTokens: ({ sub }) => ({
				access_token: `at-handoff-${sub}`,
				expires_in: 300,
				user: { id: sub },
				session: { id: `idp-${sub}`, expiresAt: new Date(Date.now() + provider.offsetMs + 3_600_000) }
			})
		});
		verify = endpoint;
	});
	let verify: (request: Request) => Promise<Response>;
	afterAll(async () => {
		verifyServer?.closeAllConnections();
		await new Promise((resolve) => verifyServer?.close(resolve));
	});
	afterEach(() => {
		provider.offsetMs = 0;
	});

	/** An app whose clock is `appOffsetMs` off the system clock; one handoff arrival, then a later request. */
	async function arrive(appOffsetMs: number, token: string, state: string) {
		const handle = createHandoffHandler({
			issuer,
			clientId: 'app',
			clientSecret: 'app-secret',
			secret: TEST_SECRET,
			origin: APP_ORIGIN,
			allowInsecureRequests: true,
			timeoutMs: 2_000,
			clock: () => Date.now() + appOffsetMs
		});
		const event = fakeEvent(`${APP_ORIGIN}/page?handoff_token=${encodeURIComponent(token)}&state=${state}`);
		const arrival = await handle({ event, resolve: async () => new Response('page') });
		const cookie = [...arrival.headers.getSetCookie(), ...event.kit.setCookies()]
			.filter((c) => !/Max-Age=0/.test(c))
			.map((c) => c.split(';')[0])
			.join('; ');
		const next = fakeEvent(`${APP_ORIGIN}/page`, { cookie });
		await handle({ event: next, resolve: async () => new Response('page') });
		const auth = (next.locals as { auth: ServerAuthContext }).auth;
		return { arrival, location: arrival.headers.get('location'), auth };
	}

	it.each([
		['5 minutes ahead of', +SKEW],
		['5 minutes behind', -SKEW]
	])('app clock %s the provider: the handoff signs in, and the access token counts from the app clock', async (_name, appOffsetMs) => {
		const state = `idp-state-${crypto.randomUUID()}`;
		const token = await handoff.mint({ clientId: 'app', sub: 'hana', state });
		const { arrival, location, auth } = await arrive(appOffsetMs, token, state);
		expect(arrival.status).toBe(303);
		expect(location).toBe('/page');
		expect(auth).toMatchObject({ isAuthenticated: true, user: { id: 'hana' } });
		expect(await (auth as { getAccessToken(): Promise<string | null> }).getAccessToken()).toBe('at-handoff-hana');
	});

	it.each([
		['5 minutes ahead of', +SKEW],
		['5 minutes behind', -SKEW]
	])('provider clock %s the app: the handoff signs in', async (_name, providerOffsetMs) => {
		provider.offsetMs = providerOffsetMs;
		const state = `idp-state-${crypto.randomUUID()}`;
		const token = await handoff.mint({ clientId: 'app', sub: 'ivan', state });
		const { location, auth } = await arrive(0, token, state);
		expect(location).toBe('/page');
		expect(auth.isAuthenticated).toBe(true);
	});

	it("expiry is the provider's alone: past the token lifetime on its clock, token_expired, though the app's clock is 5 minutes behind", async () => {
		const state = `idp-state-${crypto.randomUUID()}`;
		const token = await handoff.mint({ clientId: 'app', sub: 'jana', state });
		provider.offsetMs = 61_000;
		const { location, auth } = await arrive(-SKEW, token, state);
		expect(location).toBe('/login?error=token_expired');
		expect(auth.isAuthenticated).toBe(false);
	});
});
