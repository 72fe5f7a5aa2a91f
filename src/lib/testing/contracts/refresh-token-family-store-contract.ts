import { testRunner } from './test-runner.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult
} from '../../stores/refresh-token-family-store.js';
import {
	createContractClock,
	type ContractClock,
	type StoreContractOptions
} from './contract-clock.js';

/** What a factory hands to {@link runRefreshTokenFamilyStoreContract} for one test. */
export interface RefreshTokenFamilyStoreContractHarness {
	/** The store under test, built with the factory's `clock` unless the suite runs in real time. */
	store: RefreshTokenFamilyStore;
	/**
	 * Overwrites the stored record of `familyId` with bytes that are not a family (say `'{garbage'`),
	 * directly in the backend. Without it the corrupt-data cases are skipped.
	 */
	corrupt?(familyId: string): Promise<void>;
	/** Runs after each test (close what the factory opened for it). */
	cleanup?(): Promise<void>;
}

/** Builds a fresh harness for each test. */
export type RefreshTokenFamilyStoreContractFactory = (context: {
	clock: ContractClock;
}) => RefreshTokenFamilyStoreContractHarness | Promise<RefreshTokenFamilyStoreContractHarness>;

/**
 * The behaviour every {@link RefreshTokenFamilyStore} must show (seed 002), as a vitest suite: run it
 * from a test file of your adapter against a real backend. It covers registration (duplicate ids,
 * revoked ones included, and 50 concurrent registrations of one id), `expired-at-issue` on register
 * and on commit, the updater contract (not called for a missing family, abort leaves state unchanged,
 * a thrown error propagates, the value it gets cannot corrupt the store, abort reasons travel through a
 * closure and are never stored), expiry, corrupt records (`corrupt-data`, when the harness can write
 * one) and compare-and-set under 20 concurrent updates.
 *
 * Family ids are random UUIDs, so the suite can share a backend with other data; expiry cases use TTLs
 * of one second.
 *
 * @param name - Suite title, e.g. `'RedisRefreshTokenFamilyStore (ioredis)'`.
 * @param factory - Called before each test with a {@link ContractClock}.
 * @param options - `realTime: true` when the store cannot take the injected clock.
 *
 * @example
 * ```ts
 * import { runRefreshTokenFamilyStoreContract } from 'sveltekit-sso/testing/vitest';
 *
 * runRefreshTokenFamilyStoreContract('MyStore', ({ clock }) => ({
 *   store: new MyStore({ db, clock }),
 *   corrupt: (familyId) => db.raw('update families set data = ? where id = ?', ['{garbage', familyId])
 * }));
 * ```
 */
export function runRefreshTokenFamilyStoreContract(
	name: string,
	factory: RefreshTokenFamilyStoreContractFactory,
	options: StoreContractOptions = {}
): void {
	const { describe, it, expect, beforeEach, afterEach } = testRunner('runRefreshTokenFamilyStoreContract', options.runner);
	describe(`${name} — RefreshTokenFamilyStore contract`, () => {
		const realTime = options.realTime === true;
		const SHORT_MS = 1_000;
		let clock: ContractClock;
		let harness: RefreshTokenFamilyStoreContractHarness;
		let store: RefreshTokenFamilyStore;

		beforeEach(async () => {
			clock = createContractClock(realTime);
			harness = await factory({ clock });
			store = harness.store;
		});

		afterEach(async () => {
			await harness?.cleanup?.();
		});

		const family = (overrides: Partial<RefreshTokenFamily> = {}): RefreshTokenFamily => {
			const now = Math.floor(clock());
			return {
				familyId: crypto.randomUUID(),
				subject: 'user-1',
				generation: 0,
				payload: 'sealed-token-set-0',
				previousPayload: null,
				rotatedAtMs: now,
				lease: null,
				revokedAtMs: null,
				createdAtMs: now,
				expiresAtMs: now + 600_000,
				...overrides
			};
		};

		const reasonOf = async (pending: Promise<unknown>): Promise<string> => {
			try {
				await pending;
			} catch (error) {
				expect(error).toBeInstanceOf(RefreshTokenStorageError);
				return (error as RefreshTokenStorageError).reason;
			}
			throw new Error('expected a RefreshTokenStorageError, but the call succeeded');
		};

		// Time until just before (then just after) a SHORT_MS lifetime ends.
		const advanceToJustBeforeExpiry = () => clock.advance(realTime ? 300 : SHORT_MS - 1);
		const advancePastExpiry = () => clock.advance(realTime ? SHORT_MS - 300 + 200 : 1);

		it('finds a registered family exactly as registered', async () => {
			const f = family({
				subject: 'user-ünïcode',
				payload: 'p'.repeat(3000),
				lease: { id: 'lease-1', expiresAtMs: Math.floor(clock()) + 5_000 }
			});
			await store.registerFamily(f);
			expect(await store.findFamily(f.familyId)).toEqual(f);
		});

		it('answers null for a family that was never registered', async () => {
			expect(await store.findFamily(crypto.randomUUID())).toBeNull();
		});

		it('refuses a second registration of one id with duplicate-family and keeps the first', async () => {
			const first = family();
			await store.registerFamily(first);
			const second = { ...first, subject: 'someone-else', payload: 'other' };
			expect(await reasonOf(store.registerFamily(second))).toBe('duplicate-family');
			expect(await store.findFamily(first.familyId)).toEqual(first);
		});

		it('refuses to register over a revoked family with duplicate-family', async () => {
			const f = family();
			await store.registerFamily(f);
			const revoked = await store.updateFamily(f.familyId, (current) => ({
				...current,
				revokedAtMs: Math.floor(clock())
			}));
			expect(revoked.outcome).toBe('committed');
			expect(await reasonOf(store.registerFamily(family({ familyId: f.familyId })))).toBe(
				'duplicate-family'
			);
			expect((await store.findFamily(f.familyId))?.revokedAtMs).not.toBeNull();
		});

		it('refuses to register a family that expires at or before now with expired-at-issue', async () => {
			const atNow = family({ expiresAtMs: Math.floor(clock()) });
			const past = family({ expiresAtMs: Math.floor(clock()) - 1 });
			expect(await reasonOf(store.registerFamily(atNow))).toBe('expired-at-issue');
			expect(await reasonOf(store.registerFamily(past))).toBe('expired-at-issue');
			expect(await store.findFamily(atNow.familyId)).toBeNull();
			// Nothing was stored: the id can still be registered properly.
			const proper = { ...atNow, expiresAtMs: Math.floor(clock()) + 60_000 };
			await store.registerFamily(proper);
			expect(await store.findFamily(proper.familyId)).toEqual(proper);
		});

		it('lets exactly one of 50 concurrent registrations of one id succeed', async () => {
			const familyId = crypto.randomUUID();
			const candidates = Array.from({ length: 50 }, (_, i) =>
				family({ familyId, payload: `candidate-${i}` })
			);
			const results = await Promise.allSettled(candidates.map((f) => store.registerFamily(f)));
			const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [candidates[i]] : []));
			expect(winners).toHaveLength(1);
			for (const r of results) {
				if (r.status === 'rejected') {
					expect(r.reason).toBeInstanceOf(RefreshTokenStorageError);
					expect((r.reason as RefreshTokenStorageError).reason).toBe('duplicate-family');
				}
			}
			expect(await store.findFamily(familyId)).toEqual(winners[0]);
		});

		it('answers not-found for a missing family without invoking the updater', async () => {
			let calls = 0;
			const result = await store.updateFamily(crypto.randomUUID(), (current) => {
				calls++;
				return current;
			});
			expect(result).toEqual({ outcome: 'not-found' });
			expect(calls).toBe(0);
		});

		it('commits what the updater returns and persists it', async () => {
			const f = family();
			await store.registerFamily(f);
			const result = await store.updateFamily(f.familyId, (current) => ({
				...current,
				generation: current.generation + 1,
				previousPayload: current.payload,
				payload: 'sealed-token-set-1',
				expiresAtMs: current.expiresAtMs + 1_000
			}));
			const expected = {
				...f,
				generation: 1,
				previousPayload: f.payload,
				payload: 'sealed-token-set-1',
				expiresAtMs: f.expiresAtMs + 1_000
			};
			expect(result).toEqual({ outcome: 'committed', family: expected });
			expect(await store.findFamily(f.familyId)).toEqual(expected);
		});

		it('aborts without a state change or a retry when the updater returns null', async () => {
			const f = family();
			await store.registerFamily(f);
			let calls = 0;
			const result = await store.updateFamily(f.familyId, () => {
				calls++;
				return null;
			});
			expect(result).toEqual({ outcome: 'aborted' });
			expect(calls).toBe(1);
			expect(await store.findFamily(f.familyId)).toEqual(f);
		});

		it('hands the updater a value whose mutation cannot reach the store', async () => {
			const f = family({ lease: { id: 'lease-1', expiresAtMs: Math.floor(clock()) + 5_000 } });
			await store.registerFamily(f);
			const result = await store.updateFamily(f.familyId, (current) => {
				const writable = current as {
					-readonly [K in keyof RefreshTokenFamily]: RefreshTokenFamily[K];
				};
				// A misbehaving updater: each write either throws (frozen value) or lands on a copy.
				try {
					writable.payload = 'tampered';
				} catch {}
				try {
					writable.generation = 99;
				} catch {}
				try {
					(writable.lease as { expiresAtMs: number }).expiresAtMs = 0;
				} catch {}
				return null;
			});
			expect(result).toEqual({ outcome: 'aborted' });
			expect(await store.findFamily(f.familyId)).toEqual(f);
		});

		it('propagates an error thrown by the updater and changes nothing', async () => {
			const f = family();
			await store.registerFamily(f);
			const boom = new Error('updater failed');
			await expect(
				store.updateFamily(f.familyId, () => {
					throw boom;
				})
			).rejects.toBe(boom);
			expect(await store.findFamily(f.familyId)).toEqual(f);
		});

		it('keeps the stored family detached from the objects passed in and handed out', async () => {
			const f = family();
			const passed = { ...f };
			await store.registerFamily(passed);
			(passed as { payload: string }).payload = 'changed after register';
			const found = await store.findFamily(f.familyId);
			try {
				(found as { payload: string }).payload = 'changed after find';
			} catch {}
			const committedInput = { ...f, generation: 1 };
			const result = await store.updateFamily(f.familyId, () => committedInput);
			committedInput.generation = 42;
			if (result.outcome === 'committed') {
				try {
					(result.family as { payload: string }).payload = 'changed after commit';
				} catch {}
			}
			expect(await store.findFamily(f.familyId)).toEqual({ ...f, generation: 1 });
		});

		it('communicates abort reasons through a closure that the store never persists', async () => {
			const f = family();
			await store.registerFamily(f);
			let reason: string | undefined;
			let invocations = 0;
			const updater = (current: RefreshTokenFamily): RefreshTokenFamily | null => {
				reason = undefined;
				invocations++;
				if (current.generation !== 7) {
					reason = 'generation-mismatch';
					return null;
				}
				return current;
			};
			const result: RefreshTokenFamilyUpdateResult = await store.updateFamily(f.familyId, updater);
			expect(result.outcome).toBe('aborted');
			expect(reason).toBe('generation-mismatch');
			expect(invocations).toBeGreaterThanOrEqual(1);
			const stored = await store.findFamily(f.familyId);
			expect(stored).toEqual(f);
			expect(Object.keys(stored ?? {}).sort()).toEqual(Object.keys(f).sort());
			expect(JSON.stringify(stored)).not.toContain('generation-mismatch');
		});

		it('refuses to commit a family that expires at or before now with expired-at-issue and changes nothing', async () => {
			const f = family();
			await store.registerFamily(f);
			const now = Math.floor(clock());
			expect(
				await reasonOf(
					store.updateFamily(f.familyId, (current) => ({
						...current,
						generation: 1,
						expiresAtMs: now
					}))
				)
			).toBe('expired-at-issue');
			expect(
				await reasonOf(
					store.updateFamily(f.familyId, (current) => ({
						...current,
						generation: 1,
						expiresAtMs: now - 1
					}))
				)
			).toBe('expired-at-issue');
			expect(await store.findFamily(f.familyId)).toEqual(f);
		});

		it('keeps a family until its expiry and reads it as absent from then on', async () => {
			const f = family({ expiresAtMs: Math.floor(clock()) + SHORT_MS });
			await store.registerFamily(f);
			await advanceToJustBeforeExpiry();
			expect(await store.findFamily(f.familyId)).toEqual(f);
			await advancePastExpiry();
			expect(await store.findFamily(f.familyId)).toBeNull();
			let calls = 0;
			const result = await store.updateFamily(f.familyId, (current) => {
				calls++;
				return current;
			});
			expect(result).toEqual({ outcome: 'not-found' });
			expect(calls).toBe(0);
		});

		it('reports a corrupt record as corrupt-data instead of returning or overwriting it', async (context) => {
			if (harness.corrupt === undefined) return context.skip();
			const f = family();
			await store.registerFamily(f);
			await harness.corrupt(f.familyId);
			expect(await reasonOf(store.findFamily(f.familyId))).toBe('corrupt-data');
			let calls = 0;
			expect(
				await reasonOf(
					store.updateFamily(f.familyId, (current) => {
						calls++;
						return current;
					})
				)
			).toBe('corrupt-data');
			expect(calls).toBe(0);
			// Still corrupt, not silently replaced.
			expect(await reasonOf(store.findFamily(f.familyId))).toBe('corrupt-data');
		});

		it('lets exactly one of 20 concurrent guarded updates commit per round', async () => {
			const f = family();
			await store.registerFamily(f);
			const rounds = 3;
			let commits = 0;
			for (let round = 0; round < rounds; round++) {
				const results = await Promise.allSettled(
					Array.from({ length: 20 }, (_, i) =>
						store.updateFamily(f.familyId, (current) =>
							current.generation === round
								? { ...current, generation: round + 1, payload: `round-${round}-writer-${i}` }
								: null
						)
					)
				);
				const committed = results.filter(
					(r) => r.status === 'fulfilled' && r.value.outcome === 'committed'
				);
				expect(committed).toHaveLength(1);
				for (const r of results) {
					if (r.status === 'fulfilled') expect(['committed', 'aborted']).toContain(r.value.outcome);
					else expect((r.reason as RefreshTokenStorageError).reason).toBe('conflict-exhausted');
				}
				commits += committed.length;
				const winner = (committed[0] as PromiseFulfilledResult<RefreshTokenFamilyUpdateResult>)
					.value;
				expect(await store.findFamily(f.familyId)).toEqual(
					winner.outcome === 'committed' ? winner.family : undefined
				);
			}
			expect((await store.findFamily(f.familyId))?.generation).toBe(commits);
			expect(commits).toBe(rounds);
		});

		it('loses no update among 20 concurrent unconditional updates', async () => {
			const f = family();
			await store.registerFamily(f);
			const results = await Promise.allSettled(
				Array.from({ length: 20 }, () =>
					store.updateFamily(f.familyId, (current) => ({
						...current,
						generation: current.generation + 1
					}))
				)
			);
			let commits = 0;
			for (const r of results) {
				if (r.status === 'fulfilled') {
					expect(r.value.outcome).toBe('committed');
					commits++;
				} else {
					expect((r.reason as RefreshTokenStorageError).reason).toBe('conflict-exhausted');
				}
			}
			expect(commits).toBeGreaterThanOrEqual(1);
			expect((await store.findFamily(f.familyId))?.generation).toBe(commits);
		});
	});
}
