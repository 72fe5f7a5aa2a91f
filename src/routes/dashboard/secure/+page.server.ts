import { stepUpAcr } from '../../../demo-config.js';
import { requireAuth } from '../../../lib/server/index.js';
import type { PageServerLoad } from './$types.js';

export const load: PageServerLoad = async (event) => {
	// Step-up: a session without the multi-factor level goes through a new sign-in that asks for it
	// (acr_values), and comes back only if the returned ID token carries it.
	const auth = await requireAuth(event, { acr: stepUpAcr });
	return { user: auth.user, session: auth.session };
};
