// DPoP (RFC 9449), the one implementation: keys, proofs, the nonce memory and the one-retry rule on
// the client side; proof checks, replay guard and nonces on the server side. docs/ARCHITECTURE.md
// ("DPoP") says who uses what.
export { generateDpopKey, importDpopKey, toPrivateJwk, type DpopKey, type DpopPrivateJwk } from './dpop-key.js';
export { createDpopProof, dpopAth, dpopHtu, type DpopProofInput } from './dpop-proof.js';
export { createDpopNonceMemory, type DpopNonceMemory } from './dpop-nonce-memory.js';
export { fetchWithDpop, isNonceChallenge, type DpopRequest } from './dpop-request.js';
export { fetchWithBoundToken, type BoundToken } from './dpop-bound-call.js';
export { checkDpopProof, type DpopProofCheck, type DpopProofCheckInput, type DpopProofError } from './dpop-proof-check.js';
export { createDpopReplayGuard, type DpopReplayGuard } from './dpop-replay-guard.js';
export { createDpopServerNonces, type DpopServerNonces } from './dpop-server-nonce.js';
export { fetchRememberingNonces, oauth4webapiDpop, retryOnceOnDpopNonce, type Oauth4webapiFetch } from './oauth4webapi-dpop.js';
