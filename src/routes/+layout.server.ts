import { publicAuth } from '../lib/index.js';
import type { LayoutServerLoad } from './$types.js';

// The public part of the session for every page and for the auth context: the user and the
// session's expiry, never a token. The carry-over state of a handoff is passed on too (it is there
// on the first request after a handoff only), so that the session page can show it.
export const load: LayoutServerLoad = ({ locals, url }) => {
	// Reading the path makes SvelteKit run this load again on every navigation, so the header and
	// the auth context always show the server's current view of the session: a sign-out in another
	// tab, or a session that use has extended.
	void url.pathname;
	return { auth: publicAuth(locals.auth, { carryOverState: true }) };
};
