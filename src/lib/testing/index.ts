// sveltekit-sso/testing: helpers for testing apps and adapters built on sveltekit-sso. Needs no test
// runner: the contract suites take one (`options.runner`, or the runner's globals); the entry
// `sveltekit-sso/testing/vitest` binds them to vitest.
export { mintSessionCookie, type MintSessionOptions, type MintedSession } from './session-minter.js';
export {
	runRefreshTokenFamilyStoreContract,
	type RefreshTokenFamilyStoreContractFactory,
	type RefreshTokenFamilyStoreContractHarness
} from './contracts/refresh-token-family-store-contract.js';
export {
	runHandoffStateStoreContract,
	type HandoffStateStoreContractFactory,
	type HandoffStateStoreContractHarness
} from './contracts/handoff-state-store-contract.js';
export type { ContractClock, StoreContractOptions } from './contracts/contract-clock.js';
export type { TestRunner } from './contracts/test-runner.js';
