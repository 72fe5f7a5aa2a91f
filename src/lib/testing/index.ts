// sveltekit-sso/testing: helpers for testing apps and adapters built on sveltekit-sso. Imports vitest.
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
