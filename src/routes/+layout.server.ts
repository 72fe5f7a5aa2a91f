import type { LayoutServerLoad } from './$types.js';

// Only the public part of the session reaches the browser: never a token.
export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.auth.user,
	session: locals.auth.session
});
