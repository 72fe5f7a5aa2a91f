import type { SignedOutAuth } from '../../types.js';

/** The one signed-out value. */
export const SIGNED_OUT: SignedOutAuth = Object.freeze({
	isAuthenticated: false as const,
	user: null,
	session: null,
	carryOverState: null,
	getAccessToken: async () => null
});
