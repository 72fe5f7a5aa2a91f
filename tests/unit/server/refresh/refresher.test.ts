import { describe, expect, it, vi } from 'vitest';
import type { SessionRecord } from '../../../../src/lib/cookies/session-cookie.js';
import type { SharedOptions } from '../../../../src/lib/server/config/shared-config.js';
import { createRefresher } from '../../../../src/lib/server/refresh/refresher.js';
import type { StoredTokenSet } from '../../../../src/lib/server/refresh/token-vault.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import { RefreshTokenStorageError, type RefreshTokenFamilyStore } from '../../../../src/lib/stores/refresh-token-family-store.js';
import { createFakeAs, json, type FakeAs } from '../../../support/oidc-fake-as.js';
import { testRuntime } from '../../../support/runtime.js';
import { TEST_SECRET } from '../../../support/fake-event.js';

const SECRET = TEST_SECRET;

function clockAt(start = Date.now()) {
	const c = { now: start, fn: () => c.now };
	return c;
}

async function setup(all: Omit<Partial<SharedOptions>, 'clock'> & { store?: RefreshTokenFamilyStore; as?: FakeAs; clock?: ReturnType<typeof clockAt> } = {}) {
	const { store: givenStore, as: givenAs, clock: givenClock, ...options } = all;
	const as = givenAs ?? (await createFakeAs({ clientId: 'app' }));
	const clock = givenClock ?? clockAt();
	const store = givenStore ?? new InMemoryRefreshTokenFamilyStore({ clock: clock.fn });
	const runtime = testRuntime({
		issuer: as.issuer,
		clientId: 'app',
		clientSecret: 'app-secret',
		origin: 'https://app.example',
		secret: SECRET,
		fetch: as.fetch,
		clock: clock.fn,
		familyStore: store,
		timeoutMs: 1_000,
		refreshLeaseMs: 2_000,
		refreshWaitMs: 1_500,
		refreshGraceMs: 1_000,
		onError: () => {},
		...options
	});
	return { as, clock, store, runtime, refresher: createRefresher(runtime) };
}

/** A signed-in session whose family is registered, its refresh token live at the fake AS. */
async function session(env: Awaited<ReturnType<typeof setup>>, overrides: { generation?: number; register?: boolean; sub?: string } = {}) {
	const { as, runtime, clock } = env;
	const now = Math.floor(clock.now / 1000);
	const refreshToken = `rt-initial-${crypto.randomUUID()}`;
	as.refreshTokens.set(refreshToken, 'active');
	const tokens: StoredTokenSet = {
		accessToken: 'at-initial',
		tokenType: 'bearer',
		issuedAt: clock.now - 60_000,
		expiresAt: clock.now - 1,
		refreshToken,
		idToken: await as.sign({ iss: as.issuer, sub: overrides.sub ?? 'alice', aud: 'app', iat: now - 60, exp: now + 600 })
	};
	const familyId = crypto.randomUUID().replace(/-/g, '');
	const generation = overrides.generation ?? 0;
	if (overrides.register !== false) {
		await runtime.rotation.register({ familyId, subject: 'alice', payload: await runtime.vault.seal(tokens, clock.now + 3_600_000), expiresAtMs: clock.now + 3_600_000 });
	}
	const record: SessionRecord = {
		id: 'sess-1',
		source: 'oidc',
		user: { id: 'alice' },
		createdAt: clock.now - 60_000,
		touchedAt: clock.now - 60_000,
		tokens,
		family: { id: familyId, generation },
		idp: { iss: as.issuer, sub: 'alice' }
	};
	return record;
}

describe('refreshAt: the leeway', () => {
	it('refreshes refreshLeewayMs before expiry, but never more than half the lifetime', async () => {
		const env = await setup({ refreshLeewayMs: 30_000 });
		const base = await session(env);
		const long = { ...base, tokens: { ...base.tokens!, issuedAt: 0, expiresAt: 3_600_000 } as StoredTokenSet };
		expect(env.refresher.refreshAt(long)).toBe(3_570_000);
		const short = { ...base, tokens: { ...base.tokens!, issuedAt: 0, expiresAt: 20_000 } as StoredTokenSet };
		expect(env.refresher.refreshAt(short)).toBe(10_000);
		const noRefreshToken = { ...base, tokens: { ...base.tokens!, refreshToken: undefined } };
		expect(env.refresher.refreshAt(noRefreshToken)).toBe(Infinity);
		expect(env.refresher.refreshAt({ ...base, family: undefined })).toBe(Infinity);
	});
});

describe('short-lived access tokens', () => {
	it('an access token shorter than the grace window is refreshed before it expires: a signed-in user always has one', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 20 });
		// The default 30 s grace window, longer than the 20 s tokens (Glewlwyd's and many APIs').
		const env = await setup({ as, refreshGraceMs: 30_000, refreshLeewayMs: 30_000 });
		let record = await session(env);
		record = { ...record, tokens: { ...record.tokens!, issuedAt: env.clock.now, expiresAt: env.clock.now + 20_000 } as StoredTokenSet };
		let nulls = 0;
		// A request every second for three minutes, each doing what getAccessToken() does.
		for (let second = 0; second < 180; second++) {
			env.clock.now += 1_000;
			let token: string | null = record.tokens!.accessToken;
			if (env.clock.now >= env.refresher.refreshAt(record)) {
				const outcome = await env.refresher.refresh(record);
				if (outcome.kind === 'refreshed') record = outcome.record;
				else if (outcome.kind !== 'unchanged') throw new Error(`the session ended: ${JSON.stringify(outcome)}`);
			}
			token = record.tokens!.expiresAt > env.clock.now ? record.tokens!.accessToken : null;
			if (token === null) nulls++;
		}
		expect(nulls).toBe(0);
		// One refresh per half lifetime, not one per request.
		expect(env.as.calls.refresh).toBeGreaterThanOrEqual(17);
		expect(env.as.calls.refresh).toBeLessThanOrEqual(19);
	});

	it('the narrowed window still lets a cookie one generation behind adopt (concurrent requests of one browser)', async () => {
		const as = await createFakeAs({ clientId: 'app', accessTokenTtl: 20 });
		const env = await setup({ as, refreshGraceMs: 30_000 });
		const record = await session(env);
		const short = { ...record, tokens: { ...record.tokens!, issuedAt: env.clock.now - 20_000, expiresAt: env.clock.now - 1 } as StoredTokenSet };
		const first = await env.refresher.refresh(short);
		expect(first.kind).toBe('refreshed');
		env.clock.now += 2_000; // within a quarter of the 20 s lifetime
		const adopted = await createRefresher(env.runtime).refresh(short);
		expect(adopted.kind).toBe('refreshed');
		expect(env.as.calls.refresh).toBe(1);
		env.clock.now += 4_000; // past it: the old cookie is a replay
		expect(await createRefresher(env.runtime).refresh(short)).toEqual({ kind: 'ended', code: 'session_revoked' });
	});
});

describe('single flight (R1)', () => {
	it('50 concurrent refreshes of one session in one process → one token request, one new generation', async () => {
		const env = await setup();
		const record = await session(env);
		const outcomes = await Promise.all(Array.from({ length: 50 }, () => env.refresher.refresh(record)));
		expect(env.as.calls.refresh).toBe(1);
		const tokens = new Set(outcomes.map((o) => (o.kind === 'refreshed' ? o.record.tokens!.accessToken : o.kind)));
		expect(tokens.size).toBe(1);
		expect(outcomes.every((o) => o.kind === 'refreshed' && o.record.family!.generation === 1)).toBe(true);
		expect((await env.store.findFamily(record.family!.id))!.generation).toBe(1);
	});

	it('two instances sharing a store: one token request, the other instance waits and adopts', async () => {
		const clock = clockAt();
		const store = new InMemoryRefreshTokenFamilyStore({ clock: clock.fn });
		const as = await createFakeAs({ clientId: 'app' });
		as.tokenDelayMs = 100;
		const a = await setup({ store, as, clock });
		const b = await setup({ store, as, clock });
		const record = await session(a);
		const outcomes = await Promise.all([
			...Array.from({ length: 10 }, () => a.refresher.refresh(record)),
			...Array.from({ length: 10 }, () => b.refresher.refresh(record))
		]);
		expect(as.calls.refresh).toBe(1);
		expect(new Set(outcomes.map((o) => (o.kind === 'refreshed' ? `${o.record.family!.generation}:${o.record.tokens!.accessToken}` : o.kind))).size).toBe(1);
		expect(outcomes[0].kind).toBe('refreshed');
	});

	it('the waiting instance adopts a fast rotation within milliseconds, not at its steady poll interval', async () => {
		// Fake setTimeout only: the token call's delay and the waiter's polls run on time the test moves.
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		try {
			const clock = clockAt();
			const store = new InMemoryRefreshTokenFamilyStore({ clock: clock.fn });
			const as = await createFakeAs({ clientId: 'app' });
			as.tokenDelayMs = 3;
			const a = await setup({ store, as, clock });
			const b = await setup({ store, as, clock });
			const record = await session(a);
			const until = async (condition: () => boolean | Promise<boolean>) => {
				for (let i = 0; i < 10_000 && !(await condition()); i++) await new Promise((resolve) => setImmediate(resolve));
				expect(await condition()).toBe(true);
			};
			const polls = vi.spyOn(store, 'findFamily');
			const winner = a.refresher.refresh(record);
			await until(async () => (await store.findFamily(record.family!.id))!.lease !== null);
			polls.mockClear();
			let adopted: Awaited<ReturnType<typeof b.refresher.refresh>> | undefined;
			void b.refresher.refresh(record).then((outcome) => (adopted = outcome));
			await until(() => polls.mock.calls.length >= 1); // b met the lease and polled once
			await vi.advanceTimersByTimeAsync(3); // the token endpoint answers
			await until(async () => (await store.findFamily(record.family!.id))!.generation === 1);
			expect((await winner).kind).toBe('refreshed');
			// The commit landed about 3 ms in: b's next poll is at most a few milliseconds away (5 ms), where
			// a steady 25 ms interval would leave it waiting for another 20.
			await vi.advanceTimersByTimeAsync(4);
			await until(() => adopted !== undefined);
			expect(adopted).toMatchObject({ kind: 'refreshed', record: { family: { generation: 1 } } });
			expect(as.calls.refresh).toBe(1);
		} finally {
			vi.useRealTimers();
		}
	});

	it('a lease whose holder died expires and is taken over; a live lease makes others wait, bounded', async () => {
		const env = await setup({ refreshWaitMs: 200 });
		const record = await session(env);
		await env.runtime.rotation.acquireLease(record.family!.id, { generation: 0, leaseId: 'dead-holder' });
		// Live lease held by someone else: wait (bounded), then go on without a token request.
		const waited = await env.refresher.refresh(record);
		expect(waited.kind).toBe('unchanged');
		expect(env.as.calls.refresh).toBe(0);
		env.clock.now += 2_001; // the lease (2 s) ran out: its holder died
		const taken = await env.refresher.refresh(record);
		expect(taken.kind).toBe('refreshed');
		expect(env.as.calls.refresh).toBe(1);
	});
});

describe('replay and grace (R2)', () => {
	it('a cookie one generation behind adopts within the grace window and is a replay after it', async () => {
		const env = await setup();
		const record = await session(env);
		const first = await env.refresher.refresh(record);
		expect(first.kind).toBe('refreshed');
		// Another instance (no local memory of the rotation) sees the old cookie within the grace window.
		const other = createRefresher(env.runtime);
		const adopted = await other.refresh(record);
		expect(adopted.kind === 'refreshed' && adopted.record.tokens!.accessToken).toBe(first.kind === 'refreshed' && first.record.tokens!.accessToken);
		expect(env.as.calls.refresh).toBe(1);
		env.clock.now += 1_001;
		const late = createRefresher(env.runtime);
		expect(await late.refresh(record)).toEqual({ kind: 'ended', code: 'session_revoked' });
		expect(env.as.calls.refresh).toBe(1);
		expect((await env.store.findFamily(record.family!.id))!.revokedAtMs).not.toBeNull();
		// The newest cookie of the family is over as well.
		if (first.kind !== 'refreshed') throw new Error('unreachable');
		env.clock.now += 60_000;
		expect((await createRefresher(env.runtime).refresh(first.record)).kind).toBe('ended');
	});

	it('two generations behind is a replay even within the grace window', async () => {
		const env = await setup({ refreshGraceMs: 60_000 });
		const record = await session(env);
		const one = await env.refresher.refresh(record);
		if (one.kind !== 'refreshed') throw new Error(one.kind);
		env.clock.now += 61_000;
		const two = await env.refresher.refresh(one.record);
		expect(two.kind).toBe('refreshed');
		expect(await createRefresher(env.runtime).refresh(record)).toEqual({ kind: 'ended', code: 'session_revoked' });
	});
});

describe('token endpoint answers (R3, R4, R7, I9)', () => {
	it('invalid_grant ends the session and revokes the family; it is never retried', async () => {
		const env = await setup();
		const record = await session(env);
		env.as.refreshTokens.set(record.tokens!.refreshToken!, 'used');
		expect(await env.refresher.refresh(record)).toEqual({ kind: 'ended', code: 'invalid_grant' });
		expect((await env.store.findFamily(record.family!.id))!.revokedAtMs).not.toBeNull();
		expect((await env.refresher.refresh(record)).kind).toBe('ended');
		expect(env.as.calls.refresh).toBe(1);
	});

	for (const [name, answer] of [
		['503 JSON', () => json({ error: 'temporarily_unavailable' }, 503)],
		['502 HTML', () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })],
		['network failure', () => Promise.reject(new TypeError('fetch failed'))]
	] as const) {
		it(`${name}: keeps the session and its refresh token, gives the lease back, backs off`, async () => {
			const env = await setup();
			const record = await session(env);
			env.as.tokenResponses.push(answer as () => Response);
			const outcome = await env.refresher.refresh(record);
			expect(outcome.kind).toBe('unchanged');
			expect((await env.store.findFamily(record.family!.id))!.lease).toBeNull();
			expect(env.as.refreshTokens.get(record.tokens!.refreshToken!)).toBe('active');
			expect((await env.refresher.refresh(record)).kind).toBe('unchanged');
			expect(env.as.calls.refresh).toBe(1);
			if (outcome.kind === 'unchanged') env.clock.now = outcome.retryAt;
			expect((await env.refresher.refresh(record)).kind).toBe('refreshed');
			expect(env.as.calls.refresh).toBe(2);
		});
	}

	it('a timeout keeps the session (the request is aborted after timeoutMs)', async () => {
		const env = await setup({ timeoutMs: 100, refreshLeaseMs: 1_000 });
		const record = await session(env);
		env.as.tokenDelayMs = 1_000;
		const started = Date.now();
		expect((await env.refresher.refresh(record)).kind).toBe('unchanged');
		expect(Date.now() - started).toBeLessThan(900);
	});

	it('a refreshed ID token for another subject, issuer or audience ends the session (I9)', async () => {
		for (const claims of [{ sub: 'mallory' }, { aud: 'other-app' }, { aud: ['app', 'other-app'] }]) {
			const env = await setup();
			const record = await session(env);
			env.as.tokenResponses.push(async () => {
				const now = Math.floor(Date.now() / 1000);
				const idToken = await env.as.sign({ iss: env.as.issuer, sub: 'alice', aud: 'app', iat: now, exp: now + 60, ...claims, ...(Array.isArray(claims.aud) ? { azp: 'app' } : {}) });
				return json({ access_token: 'at-x', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt-x', id_token: idToken });
			});
			const outcome = await env.refresher.refresh(record);
			expect(outcome.kind).toBe('ended');
			expect((await env.store.findFamily(record.family!.id))!.revokedAtMs).not.toBeNull();
		}
		// The same response for the original subject and audience is accepted.
		const env = await setup();
		expect((await env.refresher.refresh(await session(env))).kind).toBe('refreshed');
	});

	it('keeps the previous refresh token and ID token when the response has none (R4)', async () => {
		const env = await setup();
		const record = await session(env);
		env.as.tokenResponses.push(() => json({ access_token: 'at-only', token_type: 'Bearer', expires_in: 60 }));
		const outcome = await env.refresher.refresh(record);
		if (outcome.kind !== 'refreshed') throw new Error(outcome.kind);
		expect(outcome.record.tokens).toMatchObject({ accessToken: 'at-only', refreshToken: record.tokens!.refreshToken, idToken: record.tokens!.idToken });
	});
});

describe('store failures and restarts (R6, unknown_family)', () => {
	it('fails closed when the store is unavailable or its CAS is exhausted: no token request', async () => {
		for (const reason of ['unavailable', 'conflict-exhausted'] as const) {
			const env = await setup();
			const record = await session(env);
			const failing: RefreshTokenFamilyStore = {
				kind: 'failing',
				findFamily: () => Promise.reject(new RefreshTokenStorageError({ reason })),
				registerFamily: () => Promise.reject(new RefreshTokenStorageError({ reason })),
				updateFamily: () => Promise.reject(new RefreshTokenStorageError({ reason }))
			};
			const broken = await setup({ store: failing, as: env.as, clock: env.clock });
			expect(await broken.refresher.refresh(record)).toEqual({ kind: 'unavailable' });
			expect(env.as.calls.refresh).toBe(0);
		}
	});

	it('re-registers a family the store lost (restart) at the cookie generation, without a grace window', async () => {
		const env = await setup();
		const record = await session(env, { generation: 3, register: false });
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const outcome = await env.refresher.refresh(record);
		// The in-memory default says once that several instances would need a shared store.
		expect(warn.mock.calls.some(([message]) => /in-memory family store/.test(String(message)))).toBe(true);
		warn.mockRestore();
		if (outcome.kind !== 'refreshed') throw new Error(outcome.kind);
		expect(outcome.record.family).toEqual({ id: record.family!.id, generation: 4 });
		expect(env.as.calls.refresh).toBe(1);
		// A copy one generation behind the re-registered one is a replay, not an adoption.
		const stale = { ...record, family: { id: record.family!.id, generation: 2 } };
		expect(await createRefresher(env.runtime).refresh(stale)).toEqual({ kind: 'ended', code: 'session_revoked' });
	});
});
