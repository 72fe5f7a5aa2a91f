import { AuthError } from '../../errors.js';
import type { SignedOutAuth } from '../../types.js';

/** The one signed-out value. */
export const SIGNED_OUT: SignedOutAuth = Object.freeze({
	isAuthenticated: false as const,
	user: null,
	session: null,
	carryOverState: null,
	getAccessToken: async () => null,
	fetch: async () => {
		throw new AuthError('login_required', 'locals.auth.fetch: signed out, there is no access token');
	}
});
