import { stepUpMaxAge } from '../../../demo-config.js';
import { requireAuth } from '../../../lib/server/index.js';
import type { PageServerLoad } from './$types.js';

export const load: PageServerLoad = async (event) => {
	// Step-up by age: a sign-in older than stepUpMaxAge seconds goes through a new one with max_age,
	// whose ID token must carry a recent enough auth_time.
	const auth = await requireAuth(event, { maxAge: stepUpMaxAge });
	return { session: auth.session, maxAge: stepUpMaxAge };
};
