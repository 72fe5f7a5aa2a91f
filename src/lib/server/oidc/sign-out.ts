import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { randomToken } from '../../crypto/base64url.js';
import { issuerKey } from './claims.js';
import { describe, requestOptions } from './errors.js';
import type { OidcRuntime } from './options.js';
import { plain, seeOther } from './responses.js';

/**
 * True when a state-changing request comes from the app's own pages. SvelteKit's CSRF check covers
 * form content types only and is skipped in development (S9, S11), so sign-out checks for itself:
 * `Origin` must be the app's origin (browsers send it on every POST), and a `Sec-Fetch-Site` other
 * than `same-origin` is refused as well.
 */
export function isSameOrigin(request: Request, appOrigin: string): boolean {
	const origin = request.headers.get('origin');
	if (origin === null || origin !== appOrigin) return false;
	const site = request.headers.get('sec-fetch-site');
	return site === null || site === 'same-origin';
}

/**
 * POST `logoutPath`: clears the session cookie, revokes the refresh token at the server (RFC 7009)
 * and the family in the store, then answers 303 to the `end_session_endpoint` (RP-Initiated Logout
 * 1.0: `id_token_hint`, `client_id`, `post_logout_redirect_uri`, `state`) or to the post-logout
 * destination. A GET never signs out (405). A cross-origin POST is refused (403) and changes nothing.
 */
export async function signOut(
	event: RequestEvent,
	runtime: OidcRuntime,
	current: { record: SessionRecord | null; present: readonly string[] }
): Promise<Response> {
	if (event.request.method !== 'POST') return plain(event, 405, 'Method Not Allowed', null, { allow: 'POST' });
	if (!isSameOrigin(event.request, runtime.appOrigin(event))) return plain(event, 403, 'Forbidden');

	const batch = new CookieBatch();
	if (current.present.length > 0) runtime.session.session.clear(batch, runtime.origin ?? event.url, current.present);
	const record = current.record;
	const local = new URL(runtime.postLogoutRedirect, runtime.appOrigin(event));
	if (!record) return seeOther(event, local.pathname + local.search, batch);

	let as: oauth.AuthorizationServer | null = null;
	try {
		as = await runtime.discovery.get();
	} catch (error) {
		runtime.onError({ code: 'network_error', phase: 'sign-out', message: describe(error), cause: error });
	}
	const ownSession = record.idp !== undefined && issuerKey(record.idp.iss) === runtime.issuerKey;

	// The family's payload holds the newest refresh token; the cookie's may be a generation behind.
	let refreshToken = record.tokens?.refreshToken;
	if (record.family) {
		try {
			const family = await runtime.rotation.find(record.family.id);
			const stored = family && family.revokedAtMs === null ? await runtime.vault.open(family.payload) : null;
			if (stored?.refreshToken) refreshToken = stored.refreshToken;
			await runtime.rotation.revoke(record.family.id);
		} catch (error) {
			runtime.onError({ code: 'store_unavailable', phase: 'sign-out', message: 'revoking the family failed', cause: error });
		}
	}
	if (as?.revocation_endpoint && ownSession && refreshToken && runtime.revokeOnSignOut) {
		try {
			const response = await oauth.revocationRequest(as, runtime.client, runtime.clientAuth, refreshToken, {
				...requestOptions(runtime.connection),
				additionalParameters: { token_type_hint: 'refresh_token' }
			});
			await oauth.processRevocationResponse(response);
		} catch (error) {
			// The session is cleared either way; the server's token then lives until it expires.
			runtime.onError({ code: 'server_error', phase: 'sign-out', message: `token revocation: ${describe(error)}`, cause: error });
		}
	}

	if (as?.end_session_endpoint && ownSession && runtime.rpInitiatedLogout) {
		const target = new URL(as.end_session_endpoint);
		const idToken = record.tokens?.idToken;
		if (idToken) target.searchParams.set('id_token_hint', idToken);
		target.searchParams.set('client_id', runtime.clientId);
		target.searchParams.set('post_logout_redirect_uri', local.href);
		target.searchParams.set('state', randomToken(16));
		return seeOther(event, target.href, batch);
	}
	return seeOther(event, local.pathname + local.search, batch);
}
