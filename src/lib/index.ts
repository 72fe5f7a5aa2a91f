// sveltekit-sso — the client entry: the auth context for components, and the helper that gives it
// the public part of the session from the root +layout.server.ts.
export {
	getAuthContext,
	setAuthContext,
	type AuthContext,
	type AuthContextOptions,
	type AuthState,
	type AuthStatus,
	type AuthStores,
	type AuthStoreValue
} from './client/auth-context.js';
export { publicAuth, type PublicAuth, type PublicAuthOptions } from './client/public-auth.js';
export type { AuthUser, SessionInfo } from './types.js';
