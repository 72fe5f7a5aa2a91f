export { createHandoffIssuer, HANDOFF_INLINE_STATE_MAX_BYTES, HANDOFF_STORE_GRACE_SECONDS, type HandoffIssuer, type HandoffIssuerOptions, type HandoffRedeemError, type MintHandoffInput, type RedeemHandoffInput, type RedeemResult } from './handoff-issuer.js';
export { createHandoffVerifyEndpoint, HANDOFF_VERIFY_MAX_BODY_BYTES, type HandoffClient, type HandoffUser, type HandoffVerifyEndpointOptions, type HandoffVerifyErrorBody, type HandoffVerifyResponseBody, type IssuedHandoffTokens } from './handoff-verify-endpoint.js';
export type { HandoffStateStore } from '../stores/handoff-state-store.js';
export { InMemoryHandoffStateStore } from '../stores/memory-handoff-state-store.js';
