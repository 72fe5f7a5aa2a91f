// sveltekit-sso/server — hooks, guards and stores for hooks.server.ts and load functions.
export { createAuthHandle, type AuthHandleOptions } from './auth-handle.js';
export { requireAuth, type RequireAuthOptions } from './require-auth.js';
export type { ServerAuthContext, SignedInAuth, SignedOutAuth } from './auth-context.js';
export type { Handle } from './handle-type.js';
export type { SessionOptions } from '../cookies/session-options.js';
export type { SecretOption } from '../crypto/secret.js';
export type { AuthUser, SessionInfo } from '../types.js';
export { AuthError, AUTH_ERROR_CODES, type AuthErrorCode, type MisuseCode, type MisuseError } from '../errors.js';
export { TransactionStore } from '../cookies/transaction-store.js';
export { createHandoffHandler, type HandoffHandlerOptions } from './handoff/handoff-handler.js';
export { verifyHandoffToken, type VerifyHandoffResult } from './handoff/verify-handoff-token.js';
export type { HandoffOptions, HandoffErrorInfo } from './handoff/handoff-options.js';
export { safeReturnTo } from './return-to.js';
export { startHandoff } from './handoff/start-handoff.js';
// Stores
export type { HandoffStateStore } from '../stores/handoff-state-store.js';
export {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore,
	type RefreshTokenFamilyUpdateResult,
	type RefreshTokenStorageErrorReason
} from '../stores/refresh-token-family-store.js';
export { InMemoryHandoffStateStore } from '../stores/memory-handoff-state-store.js';
export { InMemoryRefreshTokenFamilyStore } from '../stores/memory-refresh-token-family-store.js';
export {
	createRefreshTokenFamilyRotation,
	type RefreshTokenFamilyRotation,
	type RefreshTokenFamilyRotationOptions,
	type AcquireLeaseResult,
	type RotateResult
} from '../stores/refresh-token-family-rotation.js';
// OIDC
export type { OidcOptions, OidcClaims, AuthorizationParams } from './oidc/options.js';
export type { AuthErrorInfo } from './oidc/errors.js';
export { publicAuth, type PublicAuth, type PublicAuthOptions } from '../client/public-auth.js';
