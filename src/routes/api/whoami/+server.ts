import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types.js';

export const GET: RequestHandler = async ({ locals }) =>
	json({
		isAuthenticated: locals.auth.isAuthenticated,
		user: locals.auth.user,
		session: locals.auth.session,
		carryOverState: locals.auth.carryOverState,
		hasAccessToken: (await locals.auth.getAccessToken()) !== null
	});
