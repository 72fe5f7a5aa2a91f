import { redirect } from '@sveltejs/kit';
import { verifyHandoffToken } from '../../lib/server/index.js';
import { allowInsecureRequests, clientId, clientSecret, issuer, origin } from '../../demo-config.js';
import type { PageServerLoad } from './$types.js';

// Seed 001's manual form: a handoff delivered to /callback ends signed in on /dashboard.
export const load: PageServerLoad = async (event) => {
	const result = await verifyHandoffToken(event, { issuer, clientId, clientSecret, origin, allowInsecureRequests });
	if (!result.success) {
		redirect(302, '/login?error=' + result.error);
	}
	redirect(302, '/dashboard');
};
