import type { PageServerLoad } from './$types.js';

// What only the server knows, reduced to what a page may show: whether an access token is held
// (never the token itself). Everything else on the page comes from the auth context.
export const load: PageServerLoad = async ({ locals }) => {
	let hasAccessToken = false;
	if (locals.auth.isAuthenticated) {
		try {
			hasAccessToken = (await locals.auth.getAccessToken()) !== null;
		} catch {
			hasAccessToken = false;
		}
	}
	return { renderedAt: Date.now(), hasAccessToken };
};
