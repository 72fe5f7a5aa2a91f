// The one preamble of the memory, Redis and PostgreSQL store suites: every backend runs the same
// exported contract suites (families and handoff state) and the rotation scenarios through
// runStoreSuites, and builds its own fixtures with sampleFamily. Not a test file (no .test.ts suffix).
import type { HandoffStateStore } from '../../src/lib/stores/handoff-state-store.js';
import type { RefreshTokenFamily, RefreshTokenFamilyStore } from '../../src/lib/stores/refresh-token-family-store.js';
import type { ContractClock } from '../../src/lib/testing/contracts/contract-clock.js';
import { runHandoffStateStoreContract, runRefreshTokenFamilyStoreContract } from '../../src/lib/testing/vitest.js';
import { describeRotationScenarios } from './rotation-scenarios.js';

/** One backend, as the suites build it for each test. */
export interface StoreBackend {
	/** A family store on the backend; `clock` is injected unless the suite runs in real time. */
	families(clock?: ContractClock): RefreshTokenFamilyStore;
	/** A handoff-state store on the backend. */
	handoffStates(clock?: ContractClock): HandoffStateStore;
	/** Writes bytes that are not a family under `familyId`, directly in the backend (the memory store has none). */
	corruptFamily?(familyId: string): Promise<void>;
	/** Writes bytes that are not a handoff entry under `stateId`, directly in the backend. */
	corruptHandoffState?(stateId: string): Promise<void>;
}

/** The contract suites (with an injected clock, and in real time) and the rotation scenarios. */
export function runStoreSuites(name: string, backend: StoreBackend, options: { realTime?: 'families' | 'handoff-states' | 'both' | 'none' } = {}): void {
	const families = (clock?: ContractClock) => ({
		store: backend.families(clock),
		...(backend.corruptFamily ? { corrupt: backend.corruptFamily } : {})
	});
	const states = (clock?: ContractClock) => ({
		store: backend.handoffStates(clock),
		...(backend.corruptHandoffState ? { corrupt: backend.corruptHandoffState } : {})
	});
	runRefreshTokenFamilyStoreContract(`${name} families`, ({ clock }) => families(clock));
	runHandoffStateStoreContract(`${name} handoff states`, ({ clock }) => states(clock));
	// The backend's own expiry (a Redis TTL, a SQL comparison with the wall clock) instead of the injected clock.
	const realTime = options.realTime ?? 'both';
	if (realTime === 'families' || realTime === 'both') runRefreshTokenFamilyStoreContract(`${name} families (real time)`, () => families(), { realTime: true });
	if (realTime === 'handoff-states' || realTime === 'both') runHandoffStateStoreContract(`${name} handoff states (real time)`, () => states(), { realTime: true });
	describeRotationScenarios(name, (clock) => ({ store: backend.families(clock) }));
}

/** A family record for fixtures: generation 0, unleased, unrevoked, living `lifetimeMs` from `now`. */
export function sampleFamily(now: number, overrides: Partial<RefreshTokenFamily> = {}, lifetimeMs = 60_000): RefreshTokenFamily {
	return {
		familyId: crypto.randomUUID(),
		subject: 'user-1',
		generation: 0,
		payload: 'p',
		previousPayload: null,
		rotatedAtMs: now,
		lease: null,
		revokedAtMs: null,
		createdAtMs: now,
		expiresAtMs: now + lifetimeMs,
		...overrides
	};
}
