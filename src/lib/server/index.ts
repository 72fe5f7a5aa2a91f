// sveltekit-sso/server — hooks, guards and stores for hooks.server.ts and load functions.
export { createAuthHandle, type AuthHandleOptions } from './auth-handle.js';
export { requireAuth, type RequireAuthOptions } from './require-auth.js';
export type { AuthFetchInit, ServerAuthContext, SignedInAuth, SignedOutAuth } from '../types.js';
export type { Handle } from './handle-type.js';
export type { SessionOptions } from '../cookies/session-options.js';
export type { SecretOption } from '../crypto/secret.js';
export type { AuthUser, SessionInfo } from '../types.js';
export { AuthError, AUTH_ERROR_CODES, type AuthErrorCode, type MisuseCode, type MisuseError } from '../errors.js';
export { TransactionStore } from '../cookies/transaction-store.js';
export { createHandoffHandler, type HandoffHandlerOptions } from './handoff-handler.js';
export { verifyHandoffToken, type VerifyHandoffResult } from './verify-handoff-token.js';
export type { HandoffOptions, HandoffErrorInfo } from './config/handoff-config.js';
export type { SharedOptions } from './config/shared-config.js';
export type { ClientAuthOption, ClientAuthMethod, PrivateKeyJwtClientAuth, ClientAssertionAlg } from './config/client-auth-config.js';
export { safeReturnTo } from './http/return-to.js';
export { startHandoff } from './start-handoff.js';
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
} from './refresh/rotation.js';
// OIDC
export type { OidcOptions, AuthorizationParams } from './config/oidc-config.js';
export type { OidcClaims } from './oidc/claims.js';
export type { AuthErrorInfo } from './http/error-reporter.js';
export { publicAuth, type PublicAuth, type PublicAuthOptions } from '../client/public-auth.js';
