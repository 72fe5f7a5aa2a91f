// The outcomes of createRefreshTokenFamilyRotation, run against every store through store-suites.ts.
// Not a test file itself (no .test.ts suffix).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	createRefreshTokenFamilyRotation,
	type RefreshTokenFamilyRotation
} from '../../src/lib/server/refresh/rotation.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore
} from '../../src/lib/stores/refresh-token-family-store.js';
import {
	createContractClock,
	type ContractClock
} from '../../src/lib/testing/contracts/contract-clock.js';

export interface RotationHarness {
	store: RefreshTokenFamilyStore;
	cleanup?(): Promise<void>;
}

const LEASE_MS = 15_000;
const GRACE_MS = 30_000;

export function describeRotationScenarios(
	name: string,
	factory: (clock: ContractClock) => RotationHarness | Promise<RotationHarness>
): void {
	describe(`createRefreshTokenFamilyRotation over ${name}`, () => {
		let clock: ContractClock;
		let harness: RotationHarness;
		let store: RefreshTokenFamilyStore;
		let rotation: RefreshTokenFamilyRotation;

		beforeEach(async () => {
			clock = createContractClock(false);
			harness = await factory(clock);
			store = harness.store;
			rotation = createRefreshTokenFamilyRotation({
				store,
				clock,
				leaseMs: LEASE_MS,
				graceMs: GRACE_MS
			});
		});

		afterEach(async () => {
			await harness?.cleanup?.();
		});

		const register = (payload = 'tokens-0') =>
			rotation.register({
				familyId: crypto.randomUUID(),
				subject: 'user-1',
				payload,
				expiresAtMs: clock() + 3_600_000
			});

		/** Leases generation `generation` under a fresh id and rotates it to `payload`. */
		async function rotateOnce(
			familyId: string,
			generation: number,
			payload: string
		): Promise<RefreshTokenFamily> {
			const leaseId = crypto.randomUUID();
			const lease = await rotation.acquireLease(familyId, { generation, leaseId });
			expect(lease.outcome).toBe('leased');
			const rotated = await rotation.rotate(familyId, { leaseId, generation, payload });
			if (rotated.outcome !== 'rotated') {
				throw new Error(`expected rotated, got ${rotated.outcome}`);
			}
			return rotated.family;
		}

		it('registers generation 0 with no lease, no previous payload and no revocation', async () => {
			const family = await register();
			expect(family).toMatchObject({
				generation: 0,
				payload: 'tokens-0',
				previousPayload: null,
				lease: null,
				revokedAtMs: null,
				createdAtMs: clock(),
				rotatedAtMs: clock()
			});
			expect(await rotation.find(family.familyId)).toEqual(family);
		});

		it('leases the current generation to the first caller and answers busy to others', async () => {
			const family = await register();
			const first = await rotation.acquireLease(family.familyId, {
				generation: 0,
				leaseId: 'lease-a'
			});
			expect(first).toMatchObject({
				outcome: 'leased',
				family: { lease: { id: 'lease-a', expiresAtMs: clock() + LEASE_MS } }
			});
			const again = await rotation.acquireLease(family.familyId, {
				generation: 0,
				leaseId: 'lease-a'
			});
			expect(again.outcome).toBe('leased');
			const other = await rotation.acquireLease(family.familyId, {
				generation: 0,
				leaseId: 'lease-b'
			});
			expect(other).toMatchObject({ outcome: 'busy', family: { lease: { id: 'lease-a' } } });
		});

		it('rotates under the lease: generation + 1, previous payload kept, lease cleared', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'lease-a' });
			await clock.advance(1_000);
			const rotated = await rotation.rotate(family.familyId, {
				leaseId: 'lease-a',
				generation: 0,
				payload: 'tokens-1',
				expiresAtMs: clock() + 7_200_000
			});
			const expected = {
				...family,
				generation: 1,
				payload: 'tokens-1',
				previousPayload: 'tokens-0',
				rotatedAtMs: clock(),
				lease: null,
				expiresAtMs: clock() + 7_200_000
			};
			expect(rotated).toEqual({ outcome: 'rotated', family: expected });
			expect(await rotation.find(family.familyId)).toEqual(expected);
			// Without expiresAtMs the family keeps its expiry.
			await clock.advance(GRACE_MS);
			const next = await rotateOnce(family.familyId, 1, 'tokens-2');
			expect(next.expiresAtMs).toBe(expected.expiresAtMs);
		});

		it('tells a request one generation behind to adopt the new token set within the grace window', async () => {
			const family = await register();
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS - 1);
			const behind = await rotation.acquireLease(family.familyId, {
				generation: 0,
				leaseId: 'late'
			});
			expect(behind).toMatchObject({
				outcome: 'adopt',
				family: { generation: 1, payload: 'tokens-1' }
			});
			const current = await rotation.acquireLease(family.familyId, {
				generation: 1,
				leaseId: 'late'
			});
			expect(current).toMatchObject({
				outcome: 'adopt',
				family: { generation: 1, payload: 'tokens-1' }
			});
			expect((await rotation.find(family.familyId))?.lease).toBeNull();
		});

		it('leases the current generation again once the grace window after a rotation is over', async () => {
			const family = await register();
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS);
			const lease = await rotation.acquireLease(family.familyId, {
				generation: 1,
				leaseId: 'next'
			});
			expect(lease.outcome).toBe('leased');
		});

		it('revokes the family when a generation is presented after the grace window (replay)', async () => {
			const family = await register();
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS);
			expect(
				await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'thief' })
			).toEqual({
				outcome: 'replayed'
			});
			expect((await rotation.find(family.familyId))?.revokedAtMs).toBe(clock());
			// The legitimate holder of generation 1 is out too: RFC 9700 §4.14.2.
			expect(
				await rotation.acquireLease(family.familyId, { generation: 1, leaseId: 'owner' })
			).toEqual({
				outcome: 'revoked'
			});
		});

		it('revokes the family for a generation two behind, even within the grace window', async () => {
			const family = await register();
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS);
			await rotateOnce(family.familyId, 1, 'tokens-2');
			expect(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'x' })).toEqual(
				{
					outcome: 'replayed'
				}
			);
			expect((await rotation.find(family.familyId))?.revokedAtMs).not.toBeNull();
		});

		it('revokes the family for a generation ahead of the store', async () => {
			const family = await register();
			expect(await rotation.acquireLease(family.familyId, { generation: 1, leaseId: 'x' })).toEqual(
				{
					outcome: 'replayed'
				}
			);
			expect((await rotation.find(family.familyId))?.revokedAtMs).not.toBeNull();
		});

		it('answers replayed or revoked to 10 racing replays and leases to none of them', async () => {
			const family = await register();
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS);
			await rotateOnce(family.familyId, 1, 'tokens-2');
			const results = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					rotation.acquireLease(family.familyId, { generation: 0, leaseId: `replay-${i}` })
				)
			);
			for (const result of results) expect(['replayed', 'revoked']).toContain(result.outcome);
			expect(results.filter((r) => r.outcome === 'replayed').length).toBeGreaterThanOrEqual(1);
			const revoked = await rotation.find(family.familyId);
			expect(revoked?.revokedAtMs).toBe(clock());
			expect(revoked?.generation).toBe(2);
		});

		it('lets another caller take over a lease whose holder died (lease expired)', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'dead' });
			await clock.advance(LEASE_MS - 1);
			expect(
				(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'live' })).outcome
			).toBe('busy');
			await clock.advance(1);
			const takeover = await rotation.acquireLease(family.familyId, {
				generation: 0,
				leaseId: 'live'
			});
			expect(takeover).toMatchObject({ outcome: 'leased', family: { lease: { id: 'live' } } });
		});

		it('answers replayed and commits nothing when the lease was lost before rotate', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'slow' });
			await clock.advance(LEASE_MS);
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'fast' });
			expect(
				await rotation.rotate(family.familyId, {
					leaseId: 'slow',
					generation: 0,
					payload: 'tokens-slow'
				})
			).toEqual({ outcome: 'replayed' });
			const untouched = await rotation.find(family.familyId);
			expect(untouched).toMatchObject({
				generation: 0,
				payload: 'tokens-0',
				lease: { id: 'fast' }
			});
			const fast = await rotation.rotate(family.familyId, {
				leaseId: 'fast',
				generation: 0,
				payload: 'tokens-fast'
			});
			expect(fast).toMatchObject({
				outcome: 'rotated',
				family: { generation: 1, payload: 'tokens-fast' }
			});
			// The slow holder retrying cannot write a second payload for generation 1 either.
			expect(
				await rotation.rotate(family.familyId, {
					leaseId: 'slow',
					generation: 0,
					payload: 'tokens-slow'
				})
			).toEqual({ outcome: 'replayed' });
			expect((await rotation.find(family.familyId))?.payload).toBe('tokens-fast');
		});

		it('still accepts the rotate of a holder whose lease ran out but was not taken over', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'slow' });
			await clock.advance(LEASE_MS * 2);
			const rotated = await rotation.rotate(family.familyId, {
				leaseId: 'slow',
				generation: 0,
				payload: 'tokens-1'
			});
			expect(rotated.outcome).toBe('rotated');
		});

		it('answers replayed to a rotate without a lease or for a generation that moved on', async () => {
			const family = await register();
			expect(
				await rotation.rotate(family.familyId, {
					leaseId: 'never-leased',
					generation: 0,
					payload: 'x'
				})
			).toEqual({ outcome: 'replayed' });
			await rotateOnce(family.familyId, 0, 'tokens-1');
			await clock.advance(GRACE_MS);
			expect(
				(await rotation.acquireLease(family.familyId, { generation: 1, leaseId: 'holder' })).outcome
			).toBe('leased');
			expect(
				await rotation.rotate(family.familyId, { leaseId: 'holder', generation: 0, payload: 'x' })
			).toEqual({
				outcome: 'replayed'
			});
			expect(await rotation.find(family.familyId)).toMatchObject({
				generation: 1,
				payload: 'tokens-1'
			});
		});

		it('releases a lease only for its holder, after which the generation can be leased again', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'holder' });
			expect(await rotation.releaseLease(family.familyId, 'someone-else')).toBe(false);
			expect((await rotation.find(family.familyId))?.lease?.id).toBe('holder');
			expect(await rotation.releaseLease(family.familyId, 'holder')).toBe(true);
			expect((await rotation.find(family.familyId))?.lease).toBeNull();
			expect(
				(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'next' })).outcome
			).toBe('leased');
			// The released holder can no longer commit.
			expect(
				await rotation.rotate(family.familyId, { leaseId: 'holder', generation: 0, payload: 'x' })
			).toEqual({
				outcome: 'replayed'
			});
		});

		it('revokes idempotently, and a revoked family answers revoked to lease and rotate', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'holder' });
			expect(await rotation.revoke(family.familyId)).toEqual({ outcome: 'revoked' });
			const revokedAt = (await rotation.find(family.familyId))?.revokedAtMs;
			expect(revokedAt).toBe(clock());
			await clock.advance(5);
			expect(await rotation.revoke(family.familyId)).toEqual({ outcome: 'revoked' });
			expect((await rotation.find(family.familyId))?.revokedAtMs).toBe(revokedAt);
			expect(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'x' })).toEqual(
				{
					outcome: 'revoked'
				}
			);
			expect(
				await rotation.rotate(family.familyId, { leaseId: 'holder', generation: 0, payload: 'x' })
			).toEqual({
				outcome: 'revoked'
			});
		});

		it('answers unknown_family for a family that does not exist or expired', async () => {
			const id = crypto.randomUUID();
			expect(await rotation.acquireLease(id, { generation: 0, leaseId: 'x' })).toEqual({
				outcome: 'unknown_family'
			});
			expect(await rotation.rotate(id, { leaseId: 'x', generation: 0, payload: 'x' })).toEqual({
				outcome: 'unknown_family'
			});
			expect(await rotation.revoke(id)).toEqual({ outcome: 'unknown_family' });
			const family = await rotation.register({
				familyId: crypto.randomUUID(),
				subject: 'user-1',
				payload: 'tokens-0',
				expiresAtMs: clock() + 1_000
			});
			await clock.advance(1_000);
			expect(await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'x' })).toEqual(
				{
					outcome: 'unknown_family'
				}
			);
		});

		it('refuses to rotate into an expiry that is already over, and changes nothing', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'holder' });
			await expect(
				rotation.rotate(family.familyId, {
					leaseId: 'holder',
					generation: 0,
					payload: 'x',
					expiresAtMs: clock()
				})
			).rejects.toSatisfy(
				(e) => e instanceof RefreshTokenStorageError && e.reason === 'expired-at-issue'
			);
			expect(await rotation.find(family.familyId)).toMatchObject({
				generation: 0,
				lease: { id: 'holder' }
			});
		});

		it('leases to exactly one of 10 concurrent callers', async () => {
			const family = await register();
			const results = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					rotation.acquireLease(family.familyId, { generation: 0, leaseId: `caller-${i}` })
				)
			);
			const leased = results.filter((r) => r.outcome === 'leased');
			expect(leased).toHaveLength(1);
			expect(results.filter((r) => r.outcome === 'busy')).toHaveLength(9);
			const holder = (leased[0] as { family: RefreshTokenFamily }).family.lease?.id;
			expect((await rotation.find(family.familyId))?.lease?.id).toBe(holder);
		});

		it('calls the token endpoint once for 10 concurrent refreshes, and all end with its token set', async () => {
			const family = await register();
			let tokenEndpointCalls = 0;
			async function refresh(generation: number): Promise<string> {
				for (let attempt = 0; attempt < 5; attempt++) {
					const leaseId = crypto.randomUUID();
					const lease = await rotation.acquireLease(family.familyId, { generation, leaseId });
					if (lease.outcome === 'adopt') return lease.family.payload;
					if (lease.outcome === 'leased') {
						tokenEndpointCalls++;
						await new Promise((resolve) => setTimeout(resolve, 30));
						const rotated = await rotation.rotate(family.familyId, {
							leaseId,
							generation,
							payload: 'tokens-1'
						});
						if (rotated.outcome !== 'rotated') throw new Error(rotated.outcome);
						return rotated.family.payload;
					}
					if (lease.outcome !== 'busy') throw new Error(lease.outcome);
					await rotation.waitForRotation(family.familyId, {
						fromGeneration: generation,
						timeoutMs: 2_000,
						pollMs: 5
					});
				}
				throw new Error('no outcome after 5 attempts');
			}
			const payloads = await Promise.all(Array.from({ length: 10 }, () => refresh(0)));
			expect(tokenEndpointCalls).toBe(1);
			expect(payloads).toEqual(Array(10).fill('tokens-1'));
			expect(await rotation.find(family.familyId)).toMatchObject({
				generation: 1,
				lease: null,
				revokedAtMs: null
			});
		});

		it('waits for a rotation, a released lease or an expired one, and gives up after the timeout', async () => {
			const family = await register();
			await rotation.acquireLease(family.familyId, { generation: 0, leaseId: 'holder' });
			expect(
				await rotation.waitForRotation(family.familyId, {
					fromGeneration: 0,
					timeoutMs: 30,
					pollMs: 10
				})
			).toBeNull();

			const waiting = rotation.waitForRotation(family.familyId, {
				fromGeneration: 0,
				timeoutMs: 2_000,
				pollMs: 5
			});
			await rotation.rotate(family.familyId, {
				leaseId: 'holder',
				generation: 0,
				payload: 'tokens-1'
			});
			expect(await waiting).toMatchObject({ generation: 1, payload: 'tokens-1' });

			await clock.advance(GRACE_MS);
			await rotation.acquireLease(family.familyId, { generation: 1, leaseId: 'holder-2' });
			const released = rotation.waitForRotation(family.familyId, {
				fromGeneration: 1,
				timeoutMs: 2_000,
				pollMs: 5
			});
			await rotation.releaseLease(family.familyId, 'holder-2');
			expect(await released).toMatchObject({ generation: 1, lease: null });

			await rotation.acquireLease(family.familyId, { generation: 1, leaseId: 'dies' });
			const expired = rotation.waitForRotation(family.familyId, {
				fromGeneration: 1,
				timeoutMs: 2_000,
				pollMs: 5
			});
			await clock.advance(LEASE_MS);
			expect(await expired).toMatchObject({ generation: 1, lease: { id: 'dies' } });

			expect(
				await rotation.waitForRotation(crypto.randomUUID(), {
					fromGeneration: 0,
					timeoutMs: 30,
					pollMs: 10
				})
			).toBeNull();
		});
	});
}
