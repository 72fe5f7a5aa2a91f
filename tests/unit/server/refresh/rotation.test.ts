import { describe, expect, it } from 'vitest';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import { createRefreshTokenFamilyRotation } from '../../../../src/lib/server/refresh/rotation.js';
import type {
	RefreshTokenFamily,
	RefreshTokenFamilyStore
} from '../../../../src/lib/stores/refresh-token-family-store.js';
// The rotation scenarios run over every store, the in-memory one included, in tests/stores (store-suites.ts).

describe('createRefreshTokenFamilyRotation', () => {
	const store = new InMemoryRefreshTokenFamilyStore();

	it('names the option it rejects', () => {
		const attempts: Array<[unknown, RegExp]> = [
			[undefined, /options\.store must be a RefreshTokenFamilyStore/],
			[{ store: {} }, /options\.store must be a RefreshTokenFamilyStore/],
			[{ store, leaseMs: 0 }, /options\.leaseMs must be a positive integer/],
			[{ store, leaseMs: 1.5 }, /options\.leaseMs must be a positive integer/],
			[{ store, graceMs: -1 }, /options\.graceMs must be a non-negative integer/],
			[{ store, clock: 5 }, /options\.clock must be a function/]
		];
		for (const [options, message] of attempts) {
			let thrown: unknown;
			try {
				createRefreshTokenFamilyRotation(options as never);
			} catch (error) {
				thrown = error;
			}
			expect(thrown).toBeInstanceOf(TypeError);
			expect(thrown).toMatchObject({
				code: 'ERR_INVALID_OPTION',
				message: expect.stringMatching(message)
			});
		}
	});

	it('treats every previous-generation presentation as a replay when graceMs is 0', async () => {
		const now = 1_800_000_000_000;
		const rotation = createRefreshTokenFamilyRotation({
			store: new InMemoryRefreshTokenFamilyStore({ clock: () => now }),
			clock: () => now,
			graceMs: 0
		});
		const family = await rotation.register({
			familyId: 'f',
			subject: 's',
			payload: 'p0',
			expiresAtMs: now + 60_000
		});
		await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'a' });
		await rotation.rotate(family.familyId, { leaseId: 'a', generation: 0, payload: 'p1' });
		// Same millisecond as the rotation: no adoption of the current generation either.
		expect((await rotation.acquireLease('f', { generation: 1, leaseId: 'b' })).outcome).toBe(
			'leased'
		);
		expect(await rotation.acquireLease('f', { generation: 0, leaseId: 'c' })).toEqual({
			outcome: 'replayed'
		});
	});

	it('rejects a malformed generation or lease id before touching the store', async () => {
		let calls = 0;
		const counting: RefreshTokenFamilyStore = {
			kind: 'counting',
			findFamily: async () => (calls++, null),
			registerFamily: async () => void calls++,
			updateFamily: async () => (calls++, { outcome: 'not-found' })
		};
		const rotation = createRefreshTokenFamilyRotation({ store: counting });
		for (const input of [
			{ generation: -1, leaseId: 'x' },
			{ generation: 1.5, leaseId: 'x' },
			{ generation: 0, leaseId: '' }
		]) {
			await expect(rotation.acquireLease('family', input)).rejects.toMatchObject({
				code: 'ERR_INVALID_ARGUMENT'
			});
		}
		await expect(
			rotation.rotate('', { leaseId: 'x', generation: 0, payload: 'p' })
		).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(
			rotation.rotate('family', { leaseId: 'x', generation: 0, payload: 5 as unknown as string })
		).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
		expect(calls).toBe(0);
	});

	it('keeps its updaters pure: a re-run after a compare-and-set conflict decides afresh', async () => {
		// A store that runs every updater twice, first on a stale value, like a CAS retry would.
		const inner = new InMemoryRefreshTokenFamilyStore();
		const retrying: RefreshTokenFamilyStore = {
			kind: 'retrying',
			findFamily: (id) => inner.findFamily(id),
			registerFamily: (family) => inner.registerFamily(family),
			async updateFamily(id, updater) {
				const current = await inner.findFamily(id);
				if (current !== null) updater({ ...current, revokedAtMs: 1 } as RefreshTokenFamily);
				return inner.updateFamily(id, updater);
			}
		};
		const rotation = createRefreshTokenFamilyRotation({ store: retrying });
		const family = await rotation.register({
			familyId: 'f',
			subject: 's',
			payload: 'p',
			expiresAtMs: Date.now() + 60_000
		});
		// The stale first run says "revoked"; the outcome must follow the run the store committed.
		expect(
			(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'a' })).outcome
		).toBe('leased');
		expect(
			(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'b' })).outcome
		).toBe('busy');
		expect(
			(await rotation.rotate(family.familyId, { leaseId: 'a', generation: 0, payload: 'p1' }))
				.outcome
		).toBe('rotated');
	});
});
