import { systemClock, type Clock } from '../../clock.js';
import { misuse } from '../../errors.js';
import { assertFamilyId } from '../../stores/refresh-token-family-codec.js';
import { isRefreshTokenFamilyStore, type RefreshTokenFamily, type RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import { DEFAULTS } from '../../defaults.js';
import { functionOption, integerOption } from '../../option-checks.js';

const FN = 'createRefreshTokenFamilyRotation';

/** Options of {@link createRefreshTokenFamilyRotation}. */
export interface RefreshTokenFamilyRotationOptions {
	/** Where families live. Share one store between app instances for single flight across them. */
	store: RefreshTokenFamilyStore;
	/** Time source in ms since the epoch. Default: `Date.now`. */
	clock?: Clock;
	/**
	 * How long a lease protects a refresh in flight. Longer than the token endpoint's worst-case
	 * latency; when it runs out (its holder died) another request takes the lease over. Default: `15_000`.
	 */
	leaseMs?: number;
	/**
	 * How long after a rotation a request still presenting the previous generation adopts the new
	 * token set instead of being treated as a replay (RFC 9700 §4.14.2). Covers requests that raced the
	 * rotation; keep it short (it widens the window in which a stolen previous cookie is honoured) and
	 * below the access-token lifetime, because a request presenting the *current* generation within
	 * this window also adopts (someone just rotated) rather than refreshing again. The window is
	 * `[rotatedAtMs, rotatedAtMs + graceMs)`; `0` turns adoption off, so every presentation of the
	 * previous generation counts as a replay. Default: `30_000`.
	 */
	graceMs?: number;
}

/** The result of {@link RefreshTokenFamilyRotation.acquireLease}. */
export type AcquireLeaseResult =
	/** The caller holds the lease: call the token endpoint, then `rotate` (or `releaseLease` on a transient failure). */
	| { readonly outcome: 'leased'; readonly family: RefreshTokenFamily }
	/** Another caller holds a live lease: `waitForRotation`, then acquire again. */
	| { readonly outcome: 'busy'; readonly family: RefreshTokenFamily }
	/** Someone else just rotated: use `family.payload` (generation `family.generation`) instead of refreshing. */
	| { readonly outcome: 'adopt'; readonly family: RefreshTokenFamily }
	/** The presented generation is older than allowed; this call revoked the family. End the session. */
	| { readonly outcome: 'replayed' }
	/** The family was revoked. End the session. */
	| { readonly outcome: 'revoked' }
	/** No such family, or it expired. End the session. */
	| { readonly outcome: 'unknown_family' };

/**
 * The result of {@link RefreshTokenFamilyRotation.rotate}: the four outcomes of the rotation ceremony
 * (seed 002).
 */
export type RotateResult =
	/** Committed: `family.generation` is the presented one plus one, `family.payload` the new token set. */
	| { readonly outcome: 'rotated'; readonly family: RefreshTokenFamily }
	/**
	 * Nothing committed: the lease was lost (taken over or released) or the generation moved on. Discard
	 * the tokens just obtained; a generation never gets two different payloads.
	 */
	| { readonly outcome: 'replayed' }
	/** The family was revoked while the refresh was in flight. End the session. */
	| { readonly outcome: 'revoked' }
	/** No such family, or it expired. End the session. */
	| { readonly outcome: 'unknown_family' };

/** The rotation ceremony over a {@link RefreshTokenFamilyStore}; see {@link createRefreshTokenFamilyRotation}. */
export interface RefreshTokenFamilyRotation {
	/** Creates generation 0 of a new family and returns it. Store errors propagate (`duplicate-family`, `expired-at-issue`, …). */
	register(input: {
		familyId: string;
		subject: string;
		payload: string;
		expiresAtMs: number;
	}): Promise<RefreshTokenFamily>;
	/** The family, or null when it does not exist or expired. */
	find(familyId: string): Promise<RefreshTokenFamily | null>;
	/**
	 * Asks to refresh the family on behalf of a request presenting `generation`. `leaseId` is a fresh
	 * random id per attempt (re-acquiring with the id already holding the lease answers `leased` again).
	 * `graceMs` narrows the rotation's grace window for this request (never widens it): a family whose
	 * access tokens live shorter than the window must be refreshable before they expire.
	 */
	acquireLease(
		familyId: string,
		input: { generation: number; leaseId: string; graceMs?: number }
	): Promise<AcquireLeaseResult>;
	/**
	 * Commits the token set obtained under the lease `leaseId` as generation `generation + 1`.
	 * `expiresAtMs` defaults to the family's current expiry; committing one that is already over
	 * throws `RefreshTokenStorageError` `expired-at-issue`.
	 */
	rotate(
		familyId: string,
		input: { leaseId: string; generation: number; payload: string; expiresAtMs?: number }
	): Promise<RotateResult>;
	/** Gives the lease back after a transient token-endpoint failure. False when `leaseId` did not hold it. */
	releaseLease(familyId: string, leaseId: string): Promise<boolean>;
	/** Revokes the family (sign-out, back-channel logout). Idempotent. */
	revoke(
		familyId: string
	): Promise<{ readonly outcome: 'revoked' } | { readonly outcome: 'unknown_family' }>;
	/**
	 * Polls (`findFamily` every `pollMs`, default 100) until the generation passed `fromGeneration`, the
	 * lease was released or expired, or the family was revoked, and returns the family then. Null after
	 * `timeoutMs` (default: `leaseMs`) or when the family no longer exists. With `firstPollMs` (below
	 * `pollMs`) the first poll comes after `firstPollMs` and each next one half as late again, up to
	 * `pollMs`: a rotation that lands soon (a token call of a few milliseconds) is seen soon, a slow one
	 * costs no more polls than before.
	 */
	waitForRotation(
		familyId: string,
		input: { fromGeneration: number; timeoutMs?: number; pollMs?: number; firstPollMs?: number }
	): Promise<RefreshTokenFamily | null>;
}

/**
 * Single-flight refresh-token rotation (RFC 9700 §4.14.2) composed from the store's atomic
 * primitives, so concurrent requests of one session — on one instance or many sharing the store —
 * call the token endpoint exactly once per generation:
 *
 * 1. `acquireLease` — `leased`: refresh; `busy`: `waitForRotation` then acquire again; `adopt`: take
 *    `family.payload`; `replayed` / `revoked` / `unknown_family`: end the session.
 * 2. After the token endpoint answered: `rotate` (`rotated` → write the new generation to the session;
 *    anything else → discard the new tokens and end the session). After a transient failure (5xx,
 *    timeout): `releaseLease`, keep the session.
 *
 * A generation is classified relative to the family's current generation `g`:
 * `g` — lease it (or `busy` while someone else holds a live lease; `adopt` when rotated within
 * `graceMs`); `g - 1` within `graceMs` of the rotation — `adopt`; anything else (older, `g - 1` after
 * the grace window, or ahead of `g`, which only a store rolled back could produce) — `replayed`, and the
 * family is revoked in the same atomic update. Every decision is made inside the store's updater, which
 * stays pure: it reports why it aborted through a variable of the enclosing call, reset at the top of
 * each (possibly repeated) invocation.
 *
 * Errors: `RefreshTokenStorageError` from the store propagates (`unavailable`, `conflict-exhausted`,
 * `corrupt-data`, `expired-at-issue`): fail closed, do not call the token endpoint without a lease.
 * Bad options or arguments throw `TypeError` with code `ERR_INVALID_OPTION` / `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const rotation = createRefreshTokenFamilyRotation({ store });
 * const leaseId = crypto.randomUUID();
 * const lease = await rotation.acquireLease(session.familyId, { generation: session.generation, leaseId });
 * if (lease.outcome === 'leased') {
 *   const tokens = await refreshAtTokenEndpoint(lease.family.payload);
 *   const done = await rotation.rotate(session.familyId, {
 *     leaseId, generation: lease.family.generation, payload: await seal(tokens)
 *   });
 * }
 * ```
 */
export function createRefreshTokenFamilyRotation(
	options: RefreshTokenFamilyRotationOptions
): RefreshTokenFamilyRotation {
	const {
		store,
		clock = systemClock,
		leaseMs = DEFAULTS.refresh.leaseMs,
		graceMs = DEFAULTS.refresh.graceMs
	} = options ?? ({} as never);
	if (!isRefreshTokenFamilyStore(store)) {
		throw misuse(
			'ERR_INVALID_OPTION',
			'createRefreshTokenFamilyRotation: options.store must be a RefreshTokenFamilyStore'
		);
	}
	functionOption(FN, 'clock', clock);
	integerOption(FN, 'leaseMs', leaseMs, 0, 1);
	integerOption(FN, 'graceMs', graceMs, 0, 0);

	const now = () => Math.floor(clock());

	async function register(input: {
		familyId: string;
		subject: string;
		payload: string;
		expiresAtMs: number;
	}): Promise<RefreshTokenFamily> {
		const at = now();
		const family: RefreshTokenFamily = {
			familyId: input.familyId,
			subject: input.subject,
			generation: 0,
			payload: input.payload,
			previousPayload: null,
			rotatedAtMs: at,
			lease: null,
			revokedAtMs: null,
			createdAtMs: at,
			expiresAtMs: input.expiresAtMs
		};
		await store.registerFamily(family);
		return family;
	}

	async function acquireLease(
		familyId: string,
		input: { generation: number; leaseId: string; graceMs?: number }
	): Promise<AcquireLeaseResult> {
		assertFamilyId('RefreshTokenFamilyRotation.acquireLease', familyId);
		const { generation, leaseId, graceMs: narrowed } = input ?? ({} as never);
		assertGeneration('RefreshTokenFamilyRotation.acquireLease', generation);
		assertLeaseId('RefreshTokenFamilyRotation.acquireLease', leaseId);
		if (narrowed !== undefined && !(Number.isSafeInteger(narrowed) && narrowed >= 0)) {
			throw misuse('ERR_INVALID_ARGUMENT', 'RefreshTokenFamilyRotation.acquireLease: graceMs must be a non-negative integer');
		}
		const window = narrowed === undefined ? graceMs : Math.min(graceMs, narrowed);

		let verdict: 'leased' | 'busy' | 'adopt' | 'replayed' | 'revoked' | undefined;
		let seen: RefreshTokenFamily | undefined;
		const result = await store.updateFamily(familyId, (current) => {
			verdict = undefined;
			seen = current;
			const at = now();
			if (current.revokedAtMs !== null) {
				verdict = 'revoked';
				return null;
			}
			// Half-open window [rotatedAtMs, rotatedAtMs + graceMs): graceMs 0 turns adoption off entirely.
			const recentlyRotated = at - current.rotatedAtMs < window;
			if (generation === current.generation) {
				const lease = current.lease;
				if (lease !== null && lease.expiresAtMs > at) {
					verdict = lease.id === leaseId ? 'leased' : 'busy';
					return null;
				}
				if (current.generation > 0 && recentlyRotated) {
					verdict = 'adopt';
					return null;
				}
				// No lease, or its holder died (lease expired): take it.
				verdict = 'leased';
				return { ...current, lease: { id: leaseId, expiresAtMs: at + leaseMs } };
			}
			if (generation === current.generation - 1 && recentlyRotated) {
				verdict = 'adopt';
				return null;
			}
			// Too old, or ahead of the store: a replayed (or rolled-back) token set. Revoke the whole
			// family in this same update so no request can slip between the verdict and the revocation.
			verdict = 'replayed';
			return { ...current, lease: null, revokedAtMs: at };
		});
		if (result.outcome === 'not-found') return { outcome: 'unknown_family' };
		// `verdict` and `seen` belong to the last invocation, the one whose answer the store acted on.
		if (verdict === 'replayed' || verdict === 'revoked') return { outcome: verdict };
		if (result.outcome === 'committed') return { outcome: 'leased', family: result.family };
		if (verdict === undefined || seen === undefined) {
			throw new Error('unreachable: aborted without a verdict');
		}
		return { outcome: verdict, family: seen };
	}

	async function rotate(
		familyId: string,
		input: { leaseId: string; generation: number; payload: string; expiresAtMs?: number }
	): Promise<RotateResult> {
		assertFamilyId('RefreshTokenFamilyRotation.rotate', familyId);
		const { leaseId, generation, payload, expiresAtMs } = input ?? ({} as never);
		assertLeaseId('RefreshTokenFamilyRotation.rotate', leaseId);
		assertGeneration('RefreshTokenFamilyRotation.rotate', generation);
		if (typeof payload !== 'string') {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'RefreshTokenFamilyRotation.rotate: payload must be a string'
			);
		}
		if (expiresAtMs !== undefined && !Number.isSafeInteger(expiresAtMs)) {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'RefreshTokenFamilyRotation.rotate: expiresAtMs must be an integer'
			);
		}

		let verdict: 'replayed' | 'revoked' | undefined;
		const result = await store.updateFamily(familyId, (current) => {
			verdict = undefined;
			if (current.revokedAtMs !== null) {
				verdict = 'revoked';
				return null;
			}
			// Only the holder of the lease on exactly this generation may commit. A lease that ran out
			// but was not taken over is still ours: the compare-and-set proves nobody else moved.
			if (
				current.generation !== generation ||
				current.lease === null ||
				current.lease.id !== leaseId
			) {
				verdict = 'replayed';
				return null;
			}
			return {
				...current,
				generation: current.generation + 1,
				payload,
				previousPayload: current.payload,
				rotatedAtMs: now(),
				lease: null,
				expiresAtMs: expiresAtMs ?? current.expiresAtMs
			};
		});
		if (result.outcome === 'not-found') return { outcome: 'unknown_family' };
		if (result.outcome === 'committed') return { outcome: 'rotated', family: result.family };
		return { outcome: verdict ?? 'replayed' };
	}

	async function releaseLease(familyId: string, leaseId: string): Promise<boolean> {
		assertFamilyId('RefreshTokenFamilyRotation.releaseLease', familyId);
		assertLeaseId('RefreshTokenFamilyRotation.releaseLease', leaseId);
		const result = await store.updateFamily(familyId, (current) =>
			current.lease !== null && current.lease.id === leaseId ? { ...current, lease: null } : null
		);
		return result.outcome === 'committed';
	}

	async function revoke(
		familyId: string
	): Promise<{ readonly outcome: 'revoked' } | { readonly outcome: 'unknown_family' }> {
		assertFamilyId('RefreshTokenFamilyRotation.revoke', familyId);
		const result = await store.updateFamily(familyId, (current) =>
			current.revokedAtMs !== null ? null : { ...current, lease: null, revokedAtMs: now() }
		);
		return result.outcome === 'not-found' ? { outcome: 'unknown_family' } : { outcome: 'revoked' };
	}

	async function waitForRotation(
		familyId: string,
		input: { fromGeneration: number; timeoutMs?: number; pollMs?: number; firstPollMs?: number }
	): Promise<RefreshTokenFamily | null> {
		assertFamilyId('RefreshTokenFamilyRotation.waitForRotation', familyId);
		const { fromGeneration, timeoutMs = leaseMs, pollMs = 100, firstPollMs = pollMs } = input ?? ({} as never);
		assertGeneration(
			'RefreshTokenFamilyRotation.waitForRotation',
			fromGeneration,
			'fromGeneration'
		);
		if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'RefreshTokenFamilyRotation.waitForRotation: timeoutMs must be a non-negative number'
			);
		}
		if (!Number.isFinite(pollMs) || pollMs <= 0) {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'RefreshTokenFamilyRotation.waitForRotation: pollMs must be a positive number'
			);
		}
		if (!Number.isFinite(firstPollMs) || firstPollMs <= 0) {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'RefreshTokenFamilyRotation.waitForRotation: firstPollMs must be a positive number'
			);
		}
		// The polls are bounded by the sum of the pauses rather than by the injected clock, which tests freeze.
		let pause = Math.min(firstPollMs, pollMs);
		let paused = 0;
		for (;;) {
			const family = await store.findFamily(familyId);
			if (family === null) return null;
			if (
				family.generation > fromGeneration ||
				family.revokedAtMs !== null ||
				family.lease === null ||
				family.lease.expiresAtMs <= now()
			) {
				return family;
			}
			if (paused >= timeoutMs) return null;
			await new Promise((resolve) => setTimeout(resolve, pause));
			paused += pause;
			pause = Math.min(pollMs, pause * 1.5);
		}
	}

	return {
		register,
		find: (familyId) => {
			assertFamilyId('RefreshTokenFamilyRotation.find', familyId);
			return store.findFamily(familyId);
		},
		acquireLease,
		rotate,
		releaseLease,
		revoke,
		waitForRotation
	};
}

function assertGeneration(
	where: string,
	value: unknown,
	name = 'generation'
): asserts value is number {
	if (!Number.isSafeInteger(value) || (value as number) < 0) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: ${name} must be a non-negative integer`);
	}
}

function assertLeaseId(where: string, value: unknown): asserts value is string {
	if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			`${where}: leaseId must be a non-empty string of at most 512 characters`
		);
	}
}
