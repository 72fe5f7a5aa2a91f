// The refresh-token family store failing in the middle of a flow: between the lease and the commit
// of a refresh (after the authorization server already rotated, docs/SECURITY.md R3), at the lease
// itself, and while a handoff whose verify answer carries a refresh token registers its family. The
// store is the in-memory one behind a switch that makes the next matching call fail as an unreachable
// backend does (RefreshTokenStorageError 'unavailable'); the authorization server and the verify
// endpoint are real HTTP servers on loopback. tests/stores/*-fault.test.ts and
// tests/integration/refresh-store-outage*.test.ts take real Redis and PostgreSQL down.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandoffHandler } from '../../../src/lib/server/handoff-handler.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../src/lib/stores/memory-refresh-token-family-store.js';
import { RefreshTokenStorageError, type RefreshTokenFamily, type RefreshTokenFamilyStore } from '../../../src/lib/stores/refresh-token-family-store.js';
import type { ServerAuthContext } from '../../../src/lib/types.js';
import { fakeEvent, TEST_SECRET } from '../../support/fake-event.js';
import { startFaultAs, type FaultAsServer } from '../../support/fault-as-server.js';
import { relyingParty, reported, sessionCleared, sessionWritten, TIMEOUT_MS, TOKEN } from '../../support/oidc-rp-harness.js';
import { startVerifyServer, type VerifyServer } from '../../support/verify-server.js';

type Failing = 'commit' | 'lease' | 'register' | null;

/** The in-memory store, except that the operation `fail.at` names throws 'unavailable' (committing nothing). */
function switchable(inner: InMemoryRefreshTokenFamilyStore, fail: { at: Failing }): RefreshTokenFamilyStore {
	const down = () => new RefreshTokenStorageError({ reason: 'unavailable', message: 'the store is unreachable' });
	return {
		kind: 'switchable',
		findFamily: (id) => inner.findFamily(id),
		registerFamily: (family) => (fail.at === 'register' ? Promise.reject(down()) : inner.registerFamily(family)),
		async updateFamily(id, updater) {
			if (fail.at === 'lease') throw down();
			return inner.updateFamily(id, (current: RefreshTokenFamily) => {
				const next = updater(current);
				// A commit of a new generation (rotate) is where the connection drops.
				if (fail.at === 'commit' && next && next.generation > current.generation) throw down();
				return next;
			});
		}
	};
}

let server: FaultAsServer;
beforeAll(async () => {
	server = await startFaultAs();
});
afterAll(() => server?.close());
beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

describe('the family store fails mid-refresh', () => {
	it('at the commit, after the server rotated (R3): signed out for that request with the cookie kept; the next refresh meets invalid_grant and ends the session cleanly, never two refresh tokens', async () => {
		const fail = { at: null as Failing };
		const rp = relyingParty(server, {}, (inner) => switchable(inner, fail));
		await rp.signIn();
		const original = [...server.as.refreshTokens.keys()].at(-1)!;
		rp.clock.now += 45_000; // inside the refresh leeway
		fail.at = 'commit';
		const during = await rp.call('/');
		expect(server.hits.refresh).toBe(1);
		expect(server.as.refreshTokens.get(original)).toBe('used'); // the server rotated
		expect(during.auth?.isAuthenticated).toBe(false);
		expect(during.setCookies).toEqual([]);
		expect(reported(rp, 'refresh')).toEqual(['store_unavailable']);
		// The dropped rotation left the family at generation 0 with the lease of the dead attempt.
		expect(await rp.family()).toMatchObject({ generation: 0, revokedAtMs: null, lease: expect.anything() });

		fail.at = null;
		rp.clock.now += 2 * TIMEOUT_MS + 1; // the lease of the dead attempt (refreshLeaseMs) runs out
		const after = await rp.call('/');
		// The store still holds the rotated-away token, so the server refuses it: a clean re-login.
		expect(server.hits.refresh).toBe(2);
		expect(after.auth?.isAuthenticated).toBe(false);
		expect(sessionCleared(after.setCookies)).toBe(true);
		expect(reported(rp, 'refresh')).toEqual(['store_unavailable', 'invalid_grant']);
		expect(JSON.stringify(rp.errors)).not.toMatch(TOKEN);
	});

	it('at the lease: no token request, signed out for that request with the cookie kept; it refreshes once the store is back (R6)', async () => {
		const fail = { at: null as Failing };
		const rp = relyingParty(server, {}, (inner) => switchable(inner, fail));
		await rp.signIn();
		rp.clock.now += 45_000;
		fail.at = 'lease';
		const during = await rp.call('/');
		expect(server.hits.refresh).toBe(0);
		expect(during.auth?.isAuthenticated).toBe(false);
		expect(during.setCookies).toEqual([]);
		fail.at = null;
		const after = await rp.call('/');
		expect(server.hits.refresh).toBe(1);
		expect(after.auth?.isAuthenticated).toBe(true);
		expect(sessionWritten(after.setCookies)).toBe(true);
	});
});

describe('the family store fails mid-handoff', () => {
	const ORIGIN = 'http://127.0.0.1:5173';
	let verify: VerifyServer;
	beforeAll(async () => {
		verify = await startVerifyServer('kim', { refreshToken: true });
	});
	afterAll(() => verify?.close());

	async function arrive(fail: { at: Failing }) {
		const errors: unknown[] = [];
		const handle = createHandoffHandler({
			issuer: verify.issuer,
			clientId: 'app',
			secret: TEST_SECRET,
			origin: ORIGIN,
			allowInsecureRequests: true,
			familyStore: switchable(new InMemoryRefreshTokenFamilyStore(), fail),
			onError: (info) => void errors.push(info)
		});
		const event = fakeEvent(`${ORIGIN}/page?handoff_token=tok-${crypto.randomUUID()}&state=idp-state-0123456789&keep=1`);
		const response = await handle({ event, resolve: async () => new Response('page') });
		return { response, setCookies: [...response.headers.getSetCookie(), ...event.kit.setCookies()], errors, auth: (event.locals as { auth?: ServerAuthContext }).auth };
	}
	const sessionCookie = (setCookies: string[]) => setCookies.some((c) => /^sso(?:\.\d+)?=[^;]/.test(c) && !/Max-Age=0/.test(c));

	it('a verify answer with a refresh token while the store is down: store_unavailable, no session written, the token gone from the URL', async () => {
		const calls = verify.calls();
		const down = await arrive({ at: 'register' });
		expect(verify.calls()).toBe(calls + 1);
		expect(down.response.status).toBe(303);
		expect(down.response.headers.get('location')).toBe('/login?error=store_unavailable');
		expect(sessionCookie(down.setCookies)).toBe(false);
		expect(down.errors).toMatchObject([{ code: 'store_unavailable', phase: 'handoff' }]);
		expect(JSON.stringify(down.errors)).not.toMatch(/tok-|\brt-\d+-/);
	});

	it('control: the same handoff with the store up signs in with a family, the token gone from the URL', async () => {
		const up = await arrive({ at: null });
		expect(up.response.headers.get('location')).toBe('/page?keep=1');
		expect(sessionCookie(up.setCookies)).toBe(true);
	});

	it('a verify answer without a refresh token needs no family: it signs in while the store is down', async () => {
		verify.refreshToken = false;
		try {
			const noRefresh = await arrive({ at: 'register' });
			expect(noRefresh.response.headers.get('location')).toBe('/page?keep=1');
			expect(sessionCookie(noRefresh.setCookies)).toBe(true);
		} finally {
			verify.refreshToken = true;
		}
	});
});
