import { requireAuth } from '../../lib/server/index.js';
import type { PageServerLoad } from './$types.js';

export const load: PageServerLoad = async (event) => {
	// Redirects to /login?redirectTo=/dashboard when signed out.
	const auth = await requireAuth(event);
	return { user: auth.user, session: auth.session, carryOverState: auth.carryOverState };
};
