import { describe, expect, it } from 'vitest';
import { CookieBatch } from '../../../../src/lib/cookies/cookie-batch.js';
import type { SessionRecord } from '../../../../src/lib/cookies/session-cookie.js';
import type { StoredTokenSet } from '../../../../src/lib/server/refresh/token-vault.js';
import { endSession } from '../../../../src/lib/server/session/end-session.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import { TEST_SECRET } from '../../../support/fake-event.js';
import { createFakeAs, type FakeAs } from '../../../support/oidc-fake-as.js';
import { testRuntime } from '../../../support/runtime.js';

const clock = { now: 1_800_000_000_000 };

/** One app process: a runtime on its own in-memory family store (a new one is a restart). */
function processOn(as: FakeAs) {
	as.now = () => clock.now; // the server's clock moves with the app's
	return testRuntime({
		issuer: as.issuer,
		clientId: 'app',
		clientSecret: 'app-secret',
		origin: 'https://app.example',
		secret: TEST_SECRET,
		fetch: as.fetch,
		clock: () => clock.now,
		familyStore: new InMemoryRefreshTokenFamilyStore({ clock: () => clock.now }),
		timeoutMs: 1_000,
		onError: () => {}
	});
}

/** Signs alice in on `runtime`: her family is registered and this is her session cookie's record. */
async function signIn(as: FakeAs, runtime: ReturnType<typeof processOn>): Promise<SessionRecord> {
	const refreshToken = `rt-${crypto.randomUUID()}`;
	as.refreshTokens.set(refreshToken, 'active');
	const tokens: StoredTokenSet = {
		accessToken: 'at-1',
		tokenType: 'bearer',
		issuedAt: clock.now,
		expiresAt: clock.now + 60_000,
		refreshToken,
		idToken: await as.sign({ iss: as.issuer, sub: 'alice', aud: 'app', iat: Math.floor(clock.now / 1000), exp: Math.floor(clock.now / 1000) + 600 })
	};
	const familyId = crypto.randomUUID().replace(/-/g, '');
	const expiresAtMs = clock.now + runtime.sessionMaxAgeMs;
	await runtime.rotation.register({ familyId, subject: 'alice', payload: await runtime.vault.seal(tokens, expiresAtMs), expiresAtMs });
	return {
		id: 'sess-1',
		source: 'oidc',
		user: { id: 'alice' },
		createdAt: clock.now,
		touchedAt: clock.now,
		tokens,
		family: { id: familyId, generation: 0 },
		idp: { iss: as.issuer, sub: 'alice' }
	};
}

const signOut = (runtime: ReturnType<typeof processOn>, record: SessionRecord) =>
	endSession(runtime, { record, present: [], url: new URL('https://app.example/auth/logout') }, new CookieBatch(), { revoke: false });

/** The copy's access token has run out: its next request refreshes. */
const expired = (record: SessionRecord): SessionRecord => ({ ...record, tokens: { ...record.tokens!, expiresAt: clock.now - 1 } });

describe('endSession after a restart of the in-memory family store (docs/SECURITY.md X3)', () => {
	it('a sign-out after a restart is remembered: the old cookie reads as revoked and the refresher ends it instead of re-registering', async () => {
		const as = await createFakeAs({ clientId: 'app' });
		const copy = await signIn(as, processOn(as));
		clock.now += 60_000;
		const restarted = processOn(as); // a fresh store: the family is gone
		await signOut(restarted, copy);

		expect(await restarted.revocation.isRevoked(copy)).toBe(true);
		clock.now += 60_000;
		const outcome = await restarted.refresher.refresh(expired(copy));
		expect(outcome).toEqual({ kind: 'ended', code: 'session_revoked' });
		expect(as.calls.refresh).toBe(0);
		expect(await restarted.rotation.find(copy.family!.id)).toMatchObject({ revokedAtMs: expect.any(Number) });
	});

	it('without a sign-out, the same cookie survives the restart: the refresher rebuilds its family (control)', async () => {
		const as = await createFakeAs({ clientId: 'app' });
		const copy = await signIn(as, processOn(as));
		clock.now += 60_000;
		const restarted = processOn(as);

		expect(await restarted.revocation.isRevoked(copy)).toBe(false);
		const outcome = await restarted.refresher.refresh(expired(copy));
		expect(outcome.kind).toBe('refreshed');
		expect(as.calls.refresh).toBe(1);
	});

	it('a sign-out on the process that still knows the family revokes that family, as before', async () => {
		const as = await createFakeAs({ clientId: 'app' });
		const runtime = processOn(as);
		const record = await signIn(as, runtime);
		await signOut(runtime, record);
		expect(await runtime.revocation.isRevoked(record)).toBe(true);
		expect(await runtime.rotation.find(record.family!.id)).toMatchObject({ generation: 0, revokedAtMs: clock.now });
		expect(await runtime.refresher.refresh(expired(record))).toEqual({ kind: 'ended', code: 'session_revoked' });
	});
});
