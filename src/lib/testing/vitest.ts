// sveltekit-sso/testing/vitest: the store contract suites registered with vitest. Needs vitest
// installed; everything else of sveltekit-sso/testing does not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreContractOptions } from './contracts/contract-clock.js';
import { runHandoffStateStoreContract as runHandoff, type HandoffStateStoreContractFactory } from './contracts/handoff-state-store-contract.js';
import { runRefreshTokenFamilyStoreContract as runFamilies, type RefreshTokenFamilyStoreContractFactory } from './contracts/refresh-token-family-store-contract.js';
import type { TestRunner } from './contracts/test-runner.js';

const vitest: TestRunner = { describe, it, expect, beforeEach, afterEach };

/**
 * Registers the `RefreshTokenFamilyStore` contract suite with vitest (see
 * `sveltekit-sso/testing`'s function of the same name for what it checks).
 *
 * ```ts
 * import { runRefreshTokenFamilyStoreContract } from 'sveltekit-sso/testing/vitest';
 * runRefreshTokenFamilyStoreContract('MyStore', ({ clock }) => ({ store: new MyStore({ clock }) }));
 * ```
 */
export function runRefreshTokenFamilyStoreContract(name: string, factory: RefreshTokenFamilyStoreContractFactory, options: Omit<StoreContractOptions, 'runner'> = {}): void {
	runFamilies(name, factory, { ...options, runner: vitest });
}

/** Registers the `HandoffStateStore` contract suite with vitest. */
export function runHandoffStateStoreContract(name: string, factory: HandoffStateStoreContractFactory, options: Omit<StoreContractOptions, 'runner'> = {}): void {
	runHandoff(name, factory, { ...options, runner: vitest });
}

export { mintSessionCookie, type MintSessionOptions, type MintedSession } from './session-minter.js';
export type {
	ContractClock,
	StoreContractOptions,
	HandoffStateStoreContractFactory,
	HandoffStateStoreContractHarness,
	RefreshTokenFamilyStoreContractFactory,
	RefreshTokenFamilyStoreContractHarness
} from './index.js';
