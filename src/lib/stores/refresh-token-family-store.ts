/**
 * One refresh-token family: the chain of refresh tokens one sign-in produced through rotation. The
 * store never sees a token in the clear: `payload` is opaque (the SDK seals the current token set
 * before it writes it).
 */
export interface RefreshTokenFamily {
	readonly familyId: string;
	/** The subject (`sub`) the family was issued for. */
	readonly subject: string;
	/** Advanced by one on every rotation; a cookie naming an older generation is behind. */
	readonly generation: number;
	/** Opaque, sealed token set of the current generation. */
	readonly payload: string;
	/** Opaque, sealed token set of the previous generation (grace window for cookies one behind). */
	readonly previousPayload: string | null;
	/** When the current generation was committed (ms since the epoch). */
	readonly rotatedAtMs: number;
	/** A refresh in flight: its holder calls the token endpoint; others wait and adopt its result. */
	readonly lease: { readonly id: string; readonly expiresAtMs: number } | null;
	/** Set when the family was revoked (sign-out, replay, back-channel logout); never cleared. */
	readonly revokedAtMs: number | null;
	readonly createdAtMs: number;
	/** After this instant the family reads as absent (ms since the epoch). */
	readonly expiresAtMs: number;
}

/** What {@link RefreshTokenFamilyStore.updateFamily} did. */
export type RefreshTokenFamilyUpdateResult =
	| { readonly outcome: 'committed'; readonly family: RefreshTokenFamily }
	| { readonly outcome: 'not-found' }
	| { readonly outcome: 'aborted' };

/** Why a store operation failed. */
export type RefreshTokenStorageErrorReason =
	| 'duplicate-family'
	| 'expired-at-issue'
	| 'conflict-exhausted'
	| 'corrupt-data'
	| 'unavailable';

/** Thrown by {@link RefreshTokenFamilyStore} implementations; `reason` is a closed union. */
export class RefreshTokenStorageError extends Error {
	readonly reason: RefreshTokenStorageErrorReason;

	constructor(options: { reason: RefreshTokenStorageErrorReason; message?: string; cause?: unknown }) {
		super(options.message ?? `refresh token storage: ${options.reason}`, { cause: options.cause });
		this.name = 'RefreshTokenStorageError';
		this.reason = options.reason;
	}
}

/**
 * Storage primitive for refresh-token families (seed 002): single-key atomic operations only. The
 * rotation ceremony (rotated | replayed | revoked | unknown_family) is composed above it by
 * `createRefreshTokenFamilyRotation`, not classified by the adapter.
 */
export interface RefreshTokenFamilyStore {
	/** The backend, for logs and warnings (`'memory'`, `'redis'`, `'postgres'`). */
	readonly kind: string;
	/** The family, or null when it does not exist or has expired. */
	findFamily(familyId: string): Promise<RefreshTokenFamily | null>;
	/**
	 * Atomically registers a new family. Throws `duplicate-family` when the id exists (whatever its
	 * revoke or TTL state) and `expired-at-issue` when `family.expiresAtMs <= now`. Of N concurrent
	 * calls with one id exactly one succeeds.
	 *
	 * "Exists" means the backend still holds the record: an expired family reads as absent but stays a
	 * duplicate until it is purged (Redis key TTL, Postgres `sweepExpired()`, the memory store's
	 * periodic sweep); from then on the id is free. Ids are random, so only a bug ever meets this.
	 */
	registerFamily(family: RefreshTokenFamily): Promise<void>;
	/**
	 * Atomic read-modify-write. The updater is pure and may run more than once (CAS retry); it gets the
	 * current value (never null: a missing family answers `not-found` without calling it) and returns a
	 * new family to commit or null to abort. Committing a family with `expiresAtMs <= now` throws
	 * `expired-at-issue`; exhausting the bounded retries throws `conflict-exhausted`.
	 */
	updateFamily(
		familyId: string,
		updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null
	): Promise<RefreshTokenFamilyUpdateResult>;
}

/** Whether `value` has the shape of a {@link RefreshTokenFamilyStore} (checked once, at construction). */
export function isRefreshTokenFamilyStore(value: unknown): value is RefreshTokenFamilyStore {
	const store = value as Partial<RefreshTokenFamilyStore> | null;
	return (
		typeof store === 'object' &&
		store !== null &&
		typeof store.findFamily === 'function' &&
		typeof store.registerFamily === 'function' &&
		typeof store.updateFamily === 'function'
	);
}
