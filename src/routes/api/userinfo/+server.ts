import { json } from '@sveltejs/kit';
import { AuthError } from '../../../lib/server/index.js';
import { issuer } from '../../../demo-config.js';
import type { RequestHandler } from './$types.js';

// The dev IdP's userinfo endpoint called as a resource server through locals.auth.fetch: with a
// DPoP-bound session (SSO_PROFILE=fapi) it carries `Authorization: DPoP …` and a proof made with the
// session's key, which this route never sees.
export const GET: RequestHandler = async ({ locals }) => {
	try {
		const answer = await locals.auth.fetch(new URL('/me', issuer));
		return json({ status: answer.status, body: answer.headers.get('content-type')?.includes('json') ? await answer.json() : null });
	} catch (error) {
		if (error instanceof AuthError) return json({ error: error.code }, { status: 401 });
		throw error;
	}
};
