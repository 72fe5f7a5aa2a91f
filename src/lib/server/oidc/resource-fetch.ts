import { fetchWithBoundToken } from '../../crypto/dpop/dpop-bound-call.js';
import type { TokenSet } from '../../cookies/session-cookie.js';
import { AuthError } from '../../errors.js';
import type { AuthFetchInit } from '../../types.js';
import type { DpopBindingDeps } from './dpop-binding.js';

/**
 * `locals.auth.fetch` of a session: a call to a resource server with the session's access token,
 * taken from `getAccessToken` (which refreshes when due). A DPoP-bound token goes as
 * `Authorization: DPoP …` with a fresh proof carrying `ath`, made with the session's key, following
 * one nonce challenge (RFC 9449 §7, §9; `fetchWithBoundToken`); any other as `Authorization: Bearer …`.
 * The key is imported for the call and never returned.
 */
export function createResourceFetch(
	deps: DpopBindingDeps,
	tokens: TokenSet | undefined,
	getAccessToken: () => Promise<string | null>
): (url: string | URL, init?: AuthFetchInit) => Promise<Response> {
	return async (url, init = {}) => {
		let target: URL;
		try {
			target = new URL(url);
		} catch {
			throw new AuthError('invalid_request', 'locals.auth.fetch: url must be an absolute URL');
		}
		if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new AuthError('invalid_request', 'locals.auth.fetch: url must be http(s)');
		const accessToken = await getAccessToken();
		if (accessToken === null) throw new AuthError('login_required', 'locals.auth.fetch: the session has no valid access token');
		// Header names lower-cased, so the SDK's Authorization and DPoP replace any the caller passed.
		const headers = Object.fromEntries(new Headers(init.headers));
		const method = (init.method ?? 'GET').toUpperCase();
		const request = {
			method,
			...(init.body === undefined ? {} : { body: init.body }),
			...(init.signal === undefined ? {} : { signal: init.signal }),
			redirect: 'manual' as const
		};
		if (tokens?.dpop !== undefined) {
			return fetchWithBoundToken(
				{ accessToken, dpop: tokens.dpop },
				{ fetch: deps.connection.fetch, url: target, init: { ...request, headers }, nonces: deps.dpopNonces, clock: deps.clock }
			);
		}
		const send = deps.connection.fetch;
		return send(target, { ...request, headers: { ...headers, authorization: `Bearer ${accessToken}` } });
	};
}
