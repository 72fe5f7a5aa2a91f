import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { randomToken } from '../../crypto/base64url.js';
import type { OidcConfig } from '../config/oidc-config.js';
import { isSameOrigin } from '../http/csrf.js';
import { plain, seeOther } from '../http/responses.js';
import type { Runtime } from '../runtime/runtime.js';
import { endSession } from '../session/end-session.js';

/**
 * POST `logoutPath`: ends the session ({@link endSession}: cookie cleared, family revoked, refresh
 * token revoked at the server per RFC 7009), then answers 303 to the `end_session_endpoint`
 * (RP-Initiated Logout 1.0: `id_token_hint`, `client_id`, `post_logout_redirect_uri`, `state`) or to
 * the post-logout destination. A GET never signs out (405). A cross-origin POST is refused (403) and
 * changes nothing: SvelteKit's CSRF check covers form content types only and is skipped in
 * development (docs/SECURITY.md S9, S11).
 */
export async function signOut(
	event: RequestEvent,
	config: OidcConfig,
	runtime: Runtime,
	current: { record: SessionRecord | null; present: readonly string[]; url: URL }
): Promise<Response> {
	if (event.request.method !== 'POST') return plain(event, 405, 'Method Not Allowed', null, { allow: 'POST' });
	if (!isSameOrigin(event.request, runtime.appOrigin(event))) return plain(event, 403, 'Forbidden');

	const batch = new CookieBatch();
	const { as, ownSession } = await endSession(runtime, current, batch, { revoke: config.revokeOnSignOut });
	const local = new URL(config.postLogoutRedirect, runtime.appOrigin(event));
	const record = current.record;
	const endSessionUrl = record && ownSession && config.rpInitiatedLogout ? endSessionEndpoint(runtime, as?.end_session_endpoint) : null;
	if (record && endSessionUrl) {
		const target = endSessionUrl;
		const idToken = record.tokens?.idToken;
		if (idToken) target.searchParams.set('id_token_hint', idToken);
		target.searchParams.set('client_id', runtime.config.clientId);
		target.searchParams.set('post_logout_redirect_uri', local.href);
		target.searchParams.set('state', randomToken(16));
		return seeOther(event, target.href, batch);
	}
	return seeOther(event, local.pathname + local.search, batch);
}

/** The server's end-session endpoint, or null when it has none or names something that is not an absolute URL (then sign-out stays local). */
function endSessionEndpoint(runtime: Runtime, value: unknown): URL | null {
	if (value === undefined) return null;
	try {
		const url = new URL(value as string);
		if (url.protocol === 'https:' || url.protocol === 'http:') return url;
	} catch {
		// reported below
	}
	runtime.report({ code: 'invalid_response', phase: 'sign-out', message: 'the discovery document names an end_session_endpoint that is not an absolute URL' });
	return null;
}
