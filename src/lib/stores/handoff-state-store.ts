/**
 * Persistence for the claim-check pattern of the handoff issuer (seed 000): carry-over state larger
 * than 2 KB is stored under a random UUID and only the key travels inside the MAC'd handoff token.
 *
 * Implementations: `InMemoryHandoffStateStore` (`sveltekit-sso/server`), `RedisHandoffStateStore`
 * (`sveltekit-sso/redis`), `PostgresHandoffStateStore` (`sveltekit-sso/postgres`). Third-party adapters
 * prove themselves with `runHandoffStateStoreContract` from `sveltekit-sso/testing/vitest`.
 */
export interface HandoffStateStore {
	/** Persists `state` under `stateId` for `ttlSeconds`. */
	set(stateId: string, state: Record<string, unknown>, ttlSeconds: number): Promise<void>;
	/**
	 * Reads and deletes in one atomic step (one-shot): of N concurrent calls for one id exactly one gets
	 * the value. `undefined` when the key does not exist or has expired.
	 */
	getAndDelete(stateId: string): Promise<Record<string, unknown> | undefined>;
	/** Reads without deleting, for the two-phase read-then-delete. Falls back to `getAndDelete`. */
	get?(stateId: string): Promise<Record<string, unknown> | undefined>;
	/** Deletes without reading, the second phase of read-then-delete. Falls back to a no-op. */
	delete?(stateId: string): Promise<void>;
}
