import { redirect } from '@sveltejs/kit';
import { issuer } from '../demo-config.js';
import type { PageServerLoad } from './$types.js';

// After an RP-initiated logout the identity provider sends the browser back to this page (the
// registered post_logout_redirect_uri) with the `state` the sign-out sent it. This page reads it and
// drops it: one redirect to the bare `/`, and a one-shot cookie that makes it say "You are signed
// out". (A handoff also arrives with a `state`, always beside its `handoff_token`, and the hook has
// answered it before this load runs.)
const SIGNED_OUT = 'demo_signed_out';

export const load: PageServerLoad = ({ url, cookies, locals }) => {
	if (url.searchParams.has('state') && !url.searchParams.has('handoff_token')) {
		if (!locals.auth.isAuthenticated) {
			// Not `Secure` on plain http (the demo on 127.0.0.1), where the browser would drop it.
			cookies.set(SIGNED_OUT, '1', { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60, secure: url.protocol === 'https:' });
		}
		redirect(303, '/');
	}
	const signedOut = cookies.get(SIGNED_OUT) === '1';
	if (signedOut) cookies.delete(SIGNED_OUT, { path: '/', secure: url.protocol === 'https:' });
	return {
		signedOut: signedOut && !locals.auth.isAuthenticated,
		// The identity provider's portal, where "Open App" starts an IdP-initiated handoff.
		idpPortal: new URL('/?target=/dashboard', issuer).href
	};
};
