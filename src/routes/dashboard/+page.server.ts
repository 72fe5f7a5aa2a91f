import { requireAuth } from '../../lib/server/index.js';
import type { PageServerLoad } from './$types.js';

export const load: PageServerLoad = async (event) => {
	// Signed out: 303 to /login?redirectTo=/dashboard, and back here after signing in.
	const auth = await requireAuth(event);
	return { user: auth.user, session: auth.session, carryOverState: auth.carryOverState };
};
