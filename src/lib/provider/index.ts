// sveltekit-sso/provider: the authorization-server side of Smart Handoff (seed 001) — minting
// single-use handoff tokens and the verify endpoint relying parties redeem them at.

export {
	createHandoffIssuer,
	HANDOFF_INLINE_STATE_MAX_BYTES,
	HANDOFF_STORE_GRACE_SECONDS,
	type HandoffIssuer,
	type HandoffIssuerOptions,
	type HandoffRedeemError,
	type MintHandoffInput,
	type RedeemHandoffInput,
	type RedeemResult
} from './handoff-issuer.js';
export {
	createHandoffVerifyEndpoint,
	HANDOFF_VERIFY_MAX_BODY_BYTES,
	type HandoffClient,
	type HandoffUser,
	type HandoffVerifyDpopResponseBody,
	type HandoffVerifyEndpointOptions,
	type HandoffVerifyProtocol,
	type HandoffVerifyErrorBody,
	type HandoffVerifyResponseBody,
	type IssuedHandoffTokens
} from './handoff-verify-endpoint.js';
export type { HandoffStateStore } from '../stores/handoff-state-store.js';
// The embedded default store, also here so a provider host needs one import.
export { InMemoryHandoffStateStore } from '../stores/memory-handoff-state-store.js';
// DPoP proof checks (RFC 9449) for a resource server that accepts the DPoP-bound tokens it issues.
export { checkDpopProof, type DpopProofCheck, type DpopProofCheckInput, type DpopProofError } from '../crypto/dpop/dpop-proof-check.js';
export { createDpopReplayGuard, type DpopReplayGuard } from '../crypto/dpop/dpop-replay-guard.js';
export { createDpopServerNonces, type DpopServerNonces } from '../crypto/dpop/dpop-server-nonce.js';
