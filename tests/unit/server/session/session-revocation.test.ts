import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../../../src/lib/cookies/session-cookie.js';
import { createSessionRevocation } from '../../../../src/lib/server/session/session-revocation.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import type { RefreshTokenFamily, RefreshTokenFamilyStore } from '../../../../src/lib/stores/refresh-token-family-store.js';
import { TEST_SECRET } from '../../../support/fake-event.js';

const ISS = 'https://idp.example';

function setup() {
	const clock = { now: 1_800_000_000_000 };
	const store = new InMemoryRefreshTokenFamilyStore({ clock: () => clock.now });
	const revocation = createSessionRevocation({ store, secrets: [TEST_SECRET], clock: () => clock.now, issuer: `${ISS}/`, sessionMaxAgeMs: 7 * 86_400_000 });
	const session = (extra: Partial<SessionRecord> = {}): SessionRecord => ({
		id: 's',
		source: 'oidc',
		user: { id: 'alice' },
		createdAt: clock.now,
		touchedAt: clock.now,
		idp: { iss: ISS, sub: 'alice', sid: 'idp-session-1' },
		...extra
	});
	return { clock, store, revocation, session };
}

describe('logout records in the family store', () => {
	it('a sid logout ends the sessions of that IdP session created before it, not later ones or other sids', async () => {
		const { clock, revocation, session } = setup();
		const before = session();
		const otherSid = session({ idp: { iss: ISS, sub: 'alice', sid: 'idp-session-2' } });
		clock.now += 1_000;
		const epoch = revocation.epoch;
		await revocation.recordLogout({ iss: ISS, sid: 'idp-session-1', sub: 'alice' });
		expect(revocation.epoch).toBe(epoch + 1);
		expect(await revocation.isRevoked(before)).toBe(true);
		expect(await revocation.isRevoked(otherSid)).toBe(false);
		clock.now += 1_000;
		expect(await revocation.isRevoked(session())).toBe(false);
	});

	it('a logout naming sid and sub also ends that user\'s sessions that carry no sid, but not their sid sessions', async () => {
		const { clock, revocation, session } = setup();
		const noSid = session({ idp: { iss: ISS, sub: 'alice' } });
		const otherSid = session({ idp: { iss: ISS, sub: 'alice', sid: 'idp-session-2' } });
		const otherUser = session({ idp: { iss: ISS, sub: 'bob' } });
		clock.now += 1_000;
		await revocation.recordLogout({ iss: ISS, sid: 'idp-session-1', sub: 'alice' });
		expect(await revocation.isRevoked(noSid)).toBe(true);
		expect(await revocation.isRevoked(otherSid)).toBe(false);
		expect(await revocation.isRevoked(otherUser)).toBe(false);
	});

	it('a sub logout ends every session of the user created before it; a later one moves the time forward', async () => {
		const { clock, revocation, session } = setup();
		const first = session({ idp: { iss: ISS, sub: 'alice' } });
		const bob = session({ user: { id: 'bob' }, idp: { iss: ISS, sub: 'bob' } });
		clock.now += 10;
		await revocation.recordLogout({ iss: ISS, sub: 'alice' });
		expect(await revocation.isRevoked(first)).toBe(true);
		expect(await revocation.isRevoked(bob)).toBe(false);
		clock.now += 10;
		const second = session({ idp: { iss: ISS, sub: 'alice' } });
		expect(await revocation.isRevoked(second)).toBe(false);
		clock.now += 10;
		await revocation.recordLogout({ iss: ISS, sub: 'alice' });
		expect(await revocation.isRevoked(second)).toBe(true);
	});

	it('ignores sessions of another issuer, and folds only a bare trailing slash of the issuer', async () => {
		const { clock, revocation, session } = setup();
		const foreign = session({ idp: { iss: 'https://other.example', sub: 'alice', sid: 'idp-session-1' } });
		const slashed = session({ idp: { iss: `${ISS}/`, sub: 'alice', sid: 'idp-session-1' } });
		clock.now += 1;
		await revocation.recordLogout({ iss: ISS, sid: 'idp-session-1' });
		expect(await revocation.isRevoked(foreign)).toBe(false);
		expect(revocation.isCheckable(foreign)).toBe(false);
		expect(await revocation.isRevoked(slashed)).toBe(true);
	});

	it('a revoked family ends its session whatever the time', async () => {
		const { store, revocation, session, clock } = setup();
		await store.registerFamily({
			familyId: 'fam1',
			subject: 'alice',
			generation: 0,
			payload: 'sealed',
			previousPayload: null,
			rotatedAtMs: clock.now,
			lease: null,
			revokedAtMs: null,
			createdAtMs: clock.now,
			expiresAtMs: clock.now + 60_000
		});
		const record = session({ family: { id: 'fam1', generation: 0 } });
		expect(await revocation.isRevoked(record)).toBe(false);
		await store.updateFamily('fam1', (f) => ({ ...f, revokedAtMs: clock.now }));
		expect(await revocation.isRevoked(record)).toBe(true);
	});

	it('claims a jti once; the logout records hold no token', async () => {
		const { revocation, store, clock } = setup();
		expect(await revocation.claimJti({ iss: ISS, jti: 'j1', expiresAtMs: clock.now + 60_000 })).toBe(true);
		// Claimed but its logout not recorded yet (the store failed in between): the IdP's retry is let through.
		expect(await revocation.claimJti({ iss: ISS, jti: 'j1', expiresAtMs: clock.now + 60_000 })).toBe(true);
		await revocation.completeJti({ iss: ISS, jti: 'j1' });
		// Recorded: now a replay.
		expect(await revocation.claimJti({ iss: ISS, jti: 'j1', expiresAtMs: clock.now + 60_000 })).toBe(false);
		expect(await revocation.claimJti({ iss: 'https://other.example', jti: 'j1', expiresAtMs: clock.now + 60_000 })).toBe(true);
		expect(store.size).toBe(2);
	});

	describe('logout record keys are keyed hashes of the app secret (docs/SECURITY.md X7)', () => {
		const OTHER_SECRET = 'another-secret-another-secret-another-0002';
		const SUB = 'alice-7f3c@example.com';
		const SID = 'idp-session-7f3c';

		/** A memory store that keeps every family it was handed, registered or committed. */
		function recordingStore() {
			const inner = new InMemoryRefreshTokenFamilyStore({ clock: () => now });
			const written: RefreshTokenFamily[] = [];
			const store: RefreshTokenFamilyStore = {
				kind: 'memory',
				findFamily: (id) => inner.findFamily(id),
				async registerFamily(family) {
					written.push(family);
					await inner.registerFamily(family);
				},
				async updateFamily(id, updater) {
					const result = await inner.updateFamily(id, updater);
					if (result.outcome === 'committed') written.push(result.family);
					return result;
				}
			};
			return { store, written };
		}
		let now = 1_800_000_000_000;
		const build = (store: RefreshTokenFamilyStore, secrets: string[]) =>
			createSessionRevocation({ store, secrets, clock: () => now, issuer: ISS, sessionMaxAgeMs: 7 * 86_400_000 });
		const session = (idp: SessionRecord['idp']): SessionRecord => ({
			id: 's',
			source: 'oidc',
			user: { id: SUB },
			createdAt: now,
			touchedAt: now,
			...(idp ? { idp } : {})
		});

		it('never hands the store the raw sub or sid, in the key or in any field of a logout record', async () => {
			const { store, written } = recordingStore();
			const revocation = build(store, [TEST_SECRET]);
			now += 1_000;
			await revocation.recordLogout({ iss: ISS, sid: SID, sub: SUB });
			await revocation.recordLogout({ iss: ISS, sub: SUB });
			now += 1_000;
			await revocation.recordLogout({ iss: ISS, sub: SUB }); // moves an existing record forward
			await revocation.claimJti({ iss: ISS, jti: 'jti-7f3c', expiresAtMs: now + 60_000 });
			await revocation.completeJti({ iss: ISS, jti: 'jti-7f3c' });
			expect(written.length).toBeGreaterThanOrEqual(5);
			for (const record of written) {
				const stored = JSON.stringify(record);
				expect(stored).not.toContain(SUB);
				expect(stored).not.toContain(SID);
				expect(stored).not.toContain('jti-7f3c');
				expect(record.subject).toBe('');
			}
		});

		it('agrees across two revocations built with the same secret, and not with another secret', async () => {
			const { store, written } = recordingStore();
			const here = build(store, [TEST_SECRET]);
			const there = build(store, [TEST_SECRET]);
			const foreign = build(store, [OTHER_SECRET]);
			const bySid = session({ iss: ISS, sub: SUB, sid: SID });
			const bySub = session({ iss: ISS, sub: SUB });
			now += 1_000;
			await here.recordLogout({ iss: ISS, sid: SID, sub: SUB });
			await here.recordLogout({ iss: ISS, sub: SUB });
			expect(await there.isRevoked(bySid)).toBe(true);
			expect(await there.isRevoked(bySub)).toBe(true);
			expect(await foreign.isRevoked(bySid)).toBe(false);
			expect(await foreign.isRevoked(bySub)).toBe(false);
			// The same keys, whichever instance derives them: the other instance updates the same records.
			const ids = new Set(written.map((f) => f.familyId));
			const count = written.length;
			now += 1_000;
			await there.recordLogout({ iss: ISS, sid: SID, sub: SUB });
			expect(written.length).toBeGreaterThan(count);
			expect(new Set(written.map((f) => f.familyId))).toEqual(ids);
		});

		it('keeps finding records written under the previous secret while it is still listed (rotation)', async () => {
			const { store } = recordingStore();
			const before = build(store, [OTHER_SECRET]);
			const record = session({ iss: ISS, sub: SUB, sid: SID });
			now += 1_000;
			await before.recordLogout({ iss: ISS, sid: SID, sub: SUB });
			expect(await build(store, [TEST_SECRET, OTHER_SECRET]).isRevoked(record)).toBe(true);
			expect(await build(store, [TEST_SECRET]).isRevoked(record)).toBe(false);
		});
	});
});
