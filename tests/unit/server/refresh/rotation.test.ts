import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('waitForRotation: polling', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	/** A family whose lease someone else holds, and a store that counts the polls. */
	async function leased() {
		const now = 1_800_000_000_000;
		const inner = new InMemoryRefreshTokenFamilyStore({ clock: () => now });
		let polls = 0;
		const store: RefreshTokenFamilyStore = {
			kind: 'counting',
			findFamily: (id) => (polls++, inner.findFamily(id)),
			registerFamily: (family) => inner.registerFamily(family),
			updateFamily: (id, updater) => inner.updateFamily(id, updater)
		};
		const rotation = createRefreshTokenFamilyRotation({ store, clock: () => now });
		await rotation.register({ familyId: 'f', subject: 's', payload: 'p0', expiresAtMs: now + 60_000 });
		await rotation.acquireLease('f', { generation: 0, leaseId: 'holder' });
		return { rotation, polls: () => polls };
	}

	it('with firstPollMs, sees a rotation that lands a few milliseconds in within a few milliseconds', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { rotation, polls } = await leased();
		let seen: RefreshTokenFamily | null | undefined;
		void rotation.waitForRotation('f', { fromGeneration: 0, timeoutMs: 1_000, pollMs: 25, firstPollMs: 2 }).then((family) => (seen = family));
		await vi.advanceTimersByTimeAsync(3);
		expect(polls()).toBe(2); // at once, then after 2 ms
		await rotation.rotate('f', { leaseId: 'holder', generation: 0, payload: 'p1' });
		// The next poll is 3 ms after the previous one (2 × 1.5), not pollMs.
		await vi.advanceTimersByTimeAsync(2);
		expect(seen).toMatchObject({ generation: 1, payload: 'p1' });
	});

	it('with firstPollMs, backs off to pollMs and still gives up after timeoutMs', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { rotation, polls } = await leased();
		let seen: RefreshTokenFamily | null | undefined;
		void rotation.waitForRotation('f', { fromGeneration: 0, timeoutMs: 200, pollMs: 25, firstPollMs: 2 }).then((family) => (seen = family));
		await vi.advanceTimersByTimeAsync(199);
		expect(seen).toBeUndefined();
		await vi.advanceTimersByTimeAsync(30);
		expect(seen).toBeNull();
		// 2, 3, 4.5, 6.75, 10.1, 15.2, 22.8, then 25 ms until 200 ms are spent: 14 polls, where a steady
		// 2 ms would have made 101.
		expect(polls()).toBe(14);
	});

	it('without firstPollMs, polls every pollMs as before', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { rotation, polls } = await leased();
		void rotation.waitForRotation('f', { fromGeneration: 0, timeoutMs: 100, pollMs: 25 });
		await vi.advanceTimersByTimeAsync(24);
		expect(polls()).toBe(1);
		await vi.advanceTimersByTimeAsync(200);
		expect(polls()).toBe(5);
	});

	it('rejects a firstPollMs that is not a positive number', async () => {
		const { rotation } = await leased();
		await expect(rotation.waitForRotation('f', { fromGeneration: 0, timeoutMs: 10, firstPollMs: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
	});
});
