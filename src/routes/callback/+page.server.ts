import { redirect } from '@sveltejs/kit';
import { verifyHandoffToken } from '../../lib/server/index.js';
import { allowInsecureRequests, clientId, clientSecret, issuer, origin } from '../../demo-config.js';
import type { PageServerLoad } from './$types.js';

// The manual form: a route that redeems a handoff delivered to /callback itself, then opens /dashboard.
export const load: PageServerLoad = async (event) => {
	const result = await verifyHandoffToken(event, { issuer, clientId, clientSecret, origin, allowInsecureRequests });
	if (!result.success) {
		redirect(302, '/login?error=' + result.error);
	}
	redirect(302, '/dashboard');
};
