import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryHandoffStateStore } from '../../src/lib/stores/memory-handoff-state-store.js';
import { InMemoryRefreshTokenFamilyStore } from '../../src/lib/stores/memory-refresh-token-family-store.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily
} from '../../src/lib/stores/refresh-token-family-store.js';
import { runStoreSuites, sampleFamily } from './store-suites.js';

runStoreSuites(
	'InMemory',
	{
		families: (clock) => new InMemoryRefreshTokenFamilyStore(clock ? { clock } : {}),
		handoffStates: (clock) => new InMemoryHandoffStateStore(clock ? { clock } : {})
	},
	{ realTime: 'handoff-states' }
);

function manualClock(start = 1_800_000_000_000) {
	let now = start;
	return Object.assign(() => now, { advance: (ms: number) => void (now += ms) });
}

const family = (clock: () => number, overrides: Partial<RefreshTokenFamily> = {}) => sampleFamily(clock(), overrides, 1_000);

describe('InMemoryHandoffStateStore', () => {
	it('evicts the oldest entry when full', async () => {
		const store = new InMemoryHandoffStateStore({ maxEntries: 3 });
		for (const id of ['a', 'b', 'c']) await store.set(id, { id }, 60);
		await store.set('a', { id: 'a2' }, 60); // re-setting makes "a" the youngest
		await store.set('d', { id: 'd' }, 60);
		expect(store.size).toBe(3);
		expect(await store.get('b')).toBeUndefined();
		expect(await store.get('a')).toEqual({ id: 'a2' });
		expect(await store.get('c')).toEqual({ id: 'c' });
		expect(await store.get('d')).toEqual({ id: 'd' });
	});

	it('drops expired entries before evicting a live one', async () => {
		const clock = manualClock();
		const store = new InMemoryHandoffStateStore({ clock, maxEntries: 3 });
		await store.set('live-old', {}, 60);
		await store.set('short-1', {}, 1);
		await store.set('short-2', {}, 1);
		clock.advance(1_000);
		await store.set('new', {}, 60);
		expect(store.size).toBe(2);
		expect(await store.get('live-old')).toEqual({});
	});

	it('sweeps expired entries from operations on other ids, without a timer', async () => {
		const clock = manualClock();
		const store = new InMemoryHandoffStateStore({ clock, sweepIntervalMs: 10_000 });
		for (let i = 0; i < 100; i++) await store.set(`id-${i}`, { i }, 5);
		await store.set('keeper', {}, 600);
		clock.advance(5_000);
		await store.get('keeper');
		expect(store.size).toBe(101); // the sweep is not due yet
		clock.advance(5_000);
		await store.get('keeper');
		expect(store.size).toBe(1);
	});

	it('drops an expired entry when it is read', async () => {
		const clock = manualClock();
		const store = new InMemoryHandoffStateStore({ clock });
		await store.set('x', {}, 1);
		clock.advance(1_000);
		expect(await store.get('x')).toBeUndefined();
		expect(store.size).toBe(0);
	});

	it('keeps values a structured clone preserves, and refuses what it cannot clone', async () => {
		const store = new InMemoryHandoffStateStore();
		const at = new Date(0);
		await store.set('x', { at }, 60);
		expect(await store.getAndDelete('x')).toEqual({ at });
		await expect(store.set('y', { fn: () => 1 }, 60)).rejects.toThrow();
		expect(store.size).toBe(0);
	});

	it('rejects bad options and arguments, naming them', async () => {
		expect(() => new InMemoryHandoffStateStore({ maxEntries: 0 })).toThrow(
			/InMemoryHandoffStateStore: options\.maxEntries must be a positive integer/
		);
		expect(() => new InMemoryHandoffStateStore({ sweepIntervalMs: -1 })).toThrow(
			/options\.sweepIntervalMs/
		);
		expect(() => new InMemoryHandoffStateStore({ clock: 1 as never })).toThrow(/options\.clock/);
		const store = new InMemoryHandoffStateStore();
		for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
			await expect(store.set('x', {}, ttl)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
		}
		await expect(store.set('', {}, 60)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
		await expect(store.set('x', null as never, 60)).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(store.getAndDelete(5 as never)).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		expect(store.size).toBe(0);
	});
});

describe('InMemoryRefreshTokenFamilyStore', () => {
	it('is of kind memory', () => {
		expect(new InMemoryRefreshTokenFamilyStore().kind).toBe('memory');
	});

	it('counts an expired family as a duplicate until the sweep purges it, then frees the id', async () => {
		const clock = manualClock();
		const store = new InMemoryRefreshTokenFamilyStore({ clock });
		const f = family(clock);
		await store.registerFamily(f);
		clock.advance(1_000);
		expect(await store.findFamily(f.familyId)).toBeNull();
		await expect(
			store.registerFamily({ ...f, expiresAtMs: clock() + 1_000 })
		).rejects.toMatchObject({
			reason: 'duplicate-family'
		});
		clock.advance(60_000);
		await store.findFamily('any-id'); // any operation runs the due sweep
		expect(store.size).toBe(0);
		await store.registerFamily({ ...f, expiresAtMs: clock() + 1_000 });
		expect(store.size).toBe(1);
	});

	it('bounds memory by sweeping expired families', async () => {
		const clock = manualClock();
		const store = new InMemoryRefreshTokenFamilyStore({ clock });
		for (let i = 0; i < 200; i++) await store.registerFamily(family(clock));
		const keeper = family(clock, { expiresAtMs: clock() + 3_600_000 });
		await store.registerFamily(keeper);
		clock.advance(60_000);
		await store.findFamily(keeper.familyId);
		expect(store.size).toBe(1);
	});

	it('hands out frozen values', async () => {
		const clock = manualClock();
		const store = new InMemoryRefreshTokenFamilyStore({ clock });
		const f = family(clock, { lease: { id: 'l', expiresAtMs: clock() + 10 } });
		await store.registerFamily(f);
		const seen: RefreshTokenFamily[] = [];
		await store.updateFamily(f.familyId, (current) => (seen.push(current), null));
		expect(Object.isFrozen(seen[0])).toBe(true);
		expect(Object.isFrozen(seen[0].lease)).toBe(true);
		expect(Object.isFrozen(await store.findFamily(f.familyId))).toBe(true);
	});

	it('rejects an invalid family, or an updater that renames the family, without storing anything', async () => {
		const clock = manualClock();
		const store = new InMemoryRefreshTokenFamilyStore({ clock });
		await expect(store.registerFamily({ ...family(clock), generation: -1 })).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT',
			message: expect.stringMatching(/generation must be a non-negative integer/)
		});
		await expect(
			store.registerFamily({ ...family(clock), lease: { id: '' } } as never)
		).rejects.toBeInstanceOf(TypeError);
		expect(store.size).toBe(0);
		const f = family(clock);
		await store.registerFamily(f);
		await expect(
			store.updateFamily(f.familyId, (current) => ({ ...current, familyId: 'other' }))
		).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(
			store.updateFamily(f.familyId, (current) => ({ ...current, payload: 5 as unknown as string }))
		).rejects.toBeInstanceOf(TypeError);
		expect(await store.findFamily(f.familyId)).toEqual(f);
		expect(await store.findFamily('other')).toBeNull();
	});

	it('throws RefreshTokenStorageError instances with a reason', async () => {
		const clock = manualClock();
		const store = new InMemoryRefreshTokenFamilyStore({ clock });
		const error = await store
			.registerFamily(family(clock, { expiresAtMs: clock() }))
			.catch((e) => e);
		expect(error).toBeInstanceOf(RefreshTokenStorageError);
		expect(error).toMatchObject({ name: 'RefreshTokenStorageError', reason: 'expired-at-issue' });
	});

	describe('bounded by maxEntries and maxBytes (docs/SECURITY.md X1)', () => {
		afterEach(() => vi.restoreAllMocks());

		it('a loop of sign-ins cannot grow it past maxEntries', async () => {
			const clock = manualClock();
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxEntries: 100 });
			vi.spyOn(console, 'warn').mockImplementation(() => {});
			const ids: string[] = [];
			for (let i = 0; i < 1_000; i++) {
				const f = family(clock, { expiresAtMs: clock() + 7 * 86_400_000 });
				ids.push(f.familyId);
				await store.registerFamily(f);
				expect(store.size).toBeLessThanOrEqual(100);
			}
			expect(store.size).toBe(100);
			// The newest sign-ins are the ones kept.
			expect(await store.findFamily(ids.at(-1)!)).not.toBeNull();
			expect(await store.findFamily(ids[0])).toBeNull();
		});

		it('a loop of sign-ins cannot grow it past maxBytes', async () => {
			const clock = manualClock();
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxBytes: 45_000 });
			vi.spyOn(console, 'warn').mockImplementation(() => {});
			const big = 'x'.repeat(10_000);
			for (let i = 0; i < 50; i++) await store.registerFamily(family(clock, { payload: big }));
			// Four families of about 10 kB each fit in 45 kB, a fifth does not.
			expect(store.size).toBe(4);
		});

		it('evicts expired families before anything else when full', async () => {
			const clock = manualClock();
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxEntries: 3 });
			const live = family(clock, { expiresAtMs: clock() + 3_600_000 });
			const revoked = family(clock, { revokedAtMs: clock(), expiresAtMs: clock() + 3_600_000 });
			const shortLived = family(clock, { expiresAtMs: clock() + 1_000 });
			for (const f of [live, revoked, shortLived]) await store.registerFamily(f);
			clock.advance(1_000); // shortLived expired; the periodic sweep is not due yet
			await store.registerFamily(family(clock, { expiresAtMs: clock() + 3_600_000 }));
			expect(store.size).toBe(3);
			expect(await store.findFamily(live.familyId)).toEqual(live);
			expect(await store.findFamily(revoked.familyId)).toEqual(revoked);
		});

		it('evicts live families before revoked families and logout records, which keep sign-outs alive', async () => {
			vi.spyOn(console, 'warn').mockImplementation(() => {});
			const clock = manualClock();
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxEntries: 4 });
			const hour = { expiresAtMs: clock() + 3_600_000 };
			const oldLive = family(clock, hour);
			const signedOut = family(clock, hour);
			const logoutRecord = family(clock, { ...hour, familyId: 'bcl.sid.abc', payload: '', revokedAtMs: clock() });
			const live = family(clock, hour);
			for (const f of [oldLive, signedOut, logoutRecord, live]) await store.registerFamily(f);
			await store.updateFamily(signedOut.familyId, (current) => ({ ...current, revokedAtMs: clock() }));

			await store.registerFamily(family(clock, hour));
			await store.registerFamily(family(clock, hour));
			expect(store.size).toBe(4);
			expect(await store.findFamily(oldLive.familyId)).toBeNull();
			expect(await store.findFamily(live.familyId)).toBeNull();
			expect((await store.findFamily(signedOut.familyId))?.revokedAtMs).not.toBeNull();
			expect(await store.findFamily(logoutRecord.familyId)).toEqual(logoutRecord);
		});

		it('evicts the least recently used live family once only live families are left', async () => {
			const clock = manualClock();
			vi.spyOn(console, 'warn').mockImplementation(() => {});
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxEntries: 3 });
			const [a, b, c] = [family(clock), family(clock), family(clock)];
			for (const f of [a, b, c]) await store.registerFamily(f);
			await store.findFamily(a.familyId); // a session check: a is now the most recently used
			await store.updateFamily(b.familyId, (current) => ({ ...current, lease: { id: 'l', expiresAtMs: clock() + 10 } }));
			const d = family(clock);
			await store.registerFamily(d);
			expect(await store.findFamily(c.familyId)).toBeNull();
			for (const kept of [a, b, d]) expect(await store.findFamily(kept.familyId)).not.toBeNull();
		});

		it('keeps under maxBytes when a rotation grows a family, never evicting the family being updated', async () => {
			const clock = manualClock();
			vi.spyOn(console, 'warn').mockImplementation(() => {});
			const store = new InMemoryRefreshTokenFamilyStore({ clock, maxBytes: 45_000 });
			const big = 'x'.repeat(10_000);
			const [a, b, c, d] = [0, 1, 2, 3].map(() => family(clock, { payload: big }));
			for (const f of [a, b, c, d]) await store.registerFamily(f);
			expect(store.size).toBe(4);
			// A rotation keeps the previous payload beside the new one: d grows to about 20 kB.
			const result = await store.updateFamily(d.familyId, (current) => ({
				...current,
				generation: 1,
				previousPayload: current.payload,
				payload: 'y'.repeat(10_000)
			}));
			expect(result.outcome).toBe('committed');
			expect(store.size).toBe(3);
			expect(await store.findFamily(a.familyId)).toBeNull();
			expect(await store.findFamily(d.familyId)).toMatchObject({ generation: 1 });
		});

		it('warns once per process that it is full and to use Redis or PostgreSQL when it evicts a live family', async () => {
			vi.resetModules(); // a fresh warnOnce registry, whatever ran before in this file
			const { InMemoryRefreshTokenFamilyStore: Store } = await import(
				'../../src/lib/stores/memory-refresh-token-family-store.js'
			);
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			const clock = manualClock();
			const store = new Store({ clock, maxEntries: 2 });
			await store.registerFamily(family(clock));
			await store.registerFamily(family(clock));
			expect(warn).not.toHaveBeenCalled();
			for (let i = 0; i < 5; i++) await store.registerFamily(family(clock));
			const other = new Store({ clock, maxEntries: 1 });
			for (let i = 0; i < 3; i++) await other.registerFamily(family(clock));
			expect(warn).toHaveBeenCalledTimes(1);
			const message = String(warn.mock.calls[0][0]);
			expect(message).toMatch(/InMemoryRefreshTokenFamilyStore is full/);
			expect(message).toMatch(/redis/i);
			expect(message).toMatch(/postgres/i);
		});

		it('rejects a maxEntries or maxBytes that is not a positive integer, naming it', () => {
			for (const maxEntries of [0, -1, 1.5, Number.NaN, '10']) {
				expect(() => new InMemoryRefreshTokenFamilyStore({ maxEntries: maxEntries as never })).toThrow(
					/InMemoryRefreshTokenFamilyStore: options\.maxEntries must be a positive integer/
				);
			}
			for (const maxBytes of [0, -1, 1.5, Number.POSITIVE_INFINITY, '10']) {
				expect(() => new InMemoryRefreshTokenFamilyStore({ maxBytes: maxBytes as never })).toThrow(
					/InMemoryRefreshTokenFamilyStore: options\.maxBytes must be a positive integer/
				);
			}
		});
	});
});
