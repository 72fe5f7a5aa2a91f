import { testRunner } from './test-runner.js';
import type { HandoffStateStore } from '../../stores/handoff-state-store.js';
import {
	createContractClock,
	type ContractClock,
	type StoreContractOptions
} from './contract-clock.js';

/** What a factory hands to {@link runHandoffStateStoreContract} for one test. */
export interface HandoffStateStoreContractHarness {
	/** The store under test, built with the factory's `clock` unless the suite runs in real time. */
	store: HandoffStateStore;
	/**
	 * Writes bytes that are not an entry of this store (say `'{garbage'`) under `stateId`, directly in
	 * the backend. Without it the corrupt-entry case is skipped.
	 */
	corrupt?(stateId: string): Promise<void>;
	/** Runs after each test. */
	cleanup?(): Promise<void>;
}

/** Builds a fresh harness for each test. */
export type HandoffStateStoreContractFactory = (context: {
	clock: ContractClock;
}) => HandoffStateStoreContractHarness | Promise<HandoffStateStoreContractHarness>;

/** A string of exactly `bytes` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters and `&#%`. */
function utf8String(bytes: number): string {
	const pieces = ['a', '&', '#', '%', 'é', '€', '😀', '"', '\\', '\n'];
	const encoder = new TextEncoder();
	let value = '';
	let size = 0;
	for (let i = 0; ; i++) {
		const piece = pieces[i % pieces.length];
		const length = encoder.encode(piece).length;
		if (size + length > bytes) break;
		value += piece;
		size += length;
	}
	return value + 'x'.repeat(bytes - size);
}

/**
 * The behaviour every {@link HandoffStateStore} must show (seed 000; docs/SECURITY.md K2, K3, K5), as a
 * vitest suite: round trip, one-shot `getAndDelete`, TTL expiry, exactly one winner among 20 concurrent
 * `getAndDelete` calls, the two-phase `get` then `delete` (when the store has them), isolation of the
 * stored state from the objects passed in and out, exact round trip of multi-byte UTF-8 and of strings
 * of 2047, 2048 and 2049 bytes, and no garbage returned for a corrupt entry (when the harness can write
 * one). State ids are random UUIDs; expiry cases use a TTL of one second.
 *
 * @param name - Suite title, e.g. `'RedisHandoffStateStore (node-redis)'`.
 * @param factory - Called before each test with a {@link ContractClock}.
 * @param options - `realTime: true` when the store cannot take the injected clock.
 *
 * @example
 * ```ts
 * import { runHandoffStateStoreContract } from 'sveltekit-sso/testing/vitest';
 *
 * runHandoffStateStoreContract('MyStore', ({ clock }) => ({ store: new MyStore({ clock }) }));
 * ```
 */
export function runHandoffStateStoreContract(
	name: string,
	factory: HandoffStateStoreContractFactory,
	options: StoreContractOptions = {}
): void {
	const { describe, it, expect, beforeEach, afterEach } = testRunner('runHandoffStateStoreContract', options.runner);
	describe(`${name} — HandoffStateStore contract`, () => {
		const realTime = options.realTime === true;
		let clock: ContractClock;
		let harness: HandoffStateStoreContractHarness;
		let store: HandoffStateStore;

		beforeEach(async () => {
			clock = createContractClock(realTime);
			harness = await factory({ clock });
			store = harness.store;
		});

		afterEach(async () => {
			await harness?.cleanup?.();
		});

		const sample = () => ({
			returnTo: '/inbox?tab=1&x=%20#top',
			nested: { list: [1, 'two', null, true, { deep: 'wörld' }], empty: {} },
			count: 42.5
		});

		it('returns the state once and then reads it as absent', async () => {
			const id = crypto.randomUUID();
			await store.set(id, sample(), 60);
			expect(await store.getAndDelete(id)).toEqual(sample());
			expect(await store.getAndDelete(id)).toBeUndefined();
			if (store.get) expect(await store.get(id)).toBeUndefined();
		});

		it('answers undefined for an id that was never set', async () => {
			expect(await store.getAndDelete(crypto.randomUUID())).toBeUndefined();
			if (store.get) expect(await store.get(crypto.randomUUID())).toBeUndefined();
		});

		it('keeps state until its TTL runs out and reads it as absent from then on', async () => {
			const kept = crypto.randomUUID();
			const expired = crypto.randomUUID();
			await store.set(kept, sample(), 1);
			await store.set(expired, sample(), 1);
			await clock.advance(realTime ? 300 : 999);
			if (store.get) expect(await store.get(kept)).toEqual(sample());
			await clock.advance(realTime ? 900 : 1);
			expect(await store.getAndDelete(expired)).toBeUndefined();
			if (store.get) expect(await store.get(kept)).toBeUndefined();
			expect(await store.getAndDelete(kept)).toBeUndefined();
		});

		it('gives the value to exactly one of 20 concurrent getAndDelete calls', async () => {
			const id = crypto.randomUUID();
			await store.set(id, sample(), 60);
			const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete(id)));
			const values = results.filter((value) => value !== undefined);
			expect(values).toEqual([sample()]);
		});

		it('reads without deleting, then deletes (two-phase read-then-delete)', async (context) => {
			if (!store.get || !store.delete) return context.skip();
			const id = crypto.randomUUID();
			await store.set(id, sample(), 60);
			expect(await store.get(id)).toEqual(sample());
			expect(await store.get(id)).toEqual(sample());
			await store.delete(id);
			expect(await store.get(id)).toBeUndefined();
			expect(await store.getAndDelete(id)).toBeUndefined();
			// Deleting what is not there is not an error.
			await store.delete(id);
		});

		it('keeps the stored state detached from the objects passed in and handed out', async () => {
			const id = crypto.randomUUID();
			const state = sample();
			await store.set(id, state, 60);
			state.returnTo = 'https://evil.example';
			state.nested.list.push('added');
			if (store.get) {
				const read = (await store.get(id)) as ReturnType<typeof sample>;
				read.returnTo = 'changed-by-reader';
				read.nested.list.length = 0;
			}
			expect(await store.getAndDelete(id)).toEqual(sample());
		});

		it('round-trips multi-byte UTF-8 and strings of 2047, 2048 and 2049 bytes exactly', async () => {
			const encoder = new TextEncoder();
			for (const bytes of [2047, 2048, 2049]) {
				const value = utf8String(bytes);
				expect(encoder.encode(value).length).toBe(bytes);
				const state = {
					value,
					[`key-€-${bytes}`]: ['😀', '\u0000', '\u2028', 'ü'],
					returnTo: '/a?b=c&d=%25#e'
				};
				const id = crypto.randomUUID();
				await store.set(id, state, 60);
				if (store.get) expect(await store.get(id)).toStrictEqual(state);
				expect(await store.getAndDelete(id)).toStrictEqual(state);
			}
		});

		it('refuses to return a corrupt entry', async (context) => {
			if (harness.corrupt === undefined) return context.skip();
			const id = crypto.randomUUID();
			await harness.corrupt(id);
			if (store.get) await expect(store.get(id)).rejects.toBeInstanceOf(Error);
			await expect(store.getAndDelete(id)).rejects.toBeInstanceOf(Error);
		});
	});
}
