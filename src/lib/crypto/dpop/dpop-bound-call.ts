import { importDpopKey, toPrivateJwk } from './dpop-key.js';
import type { DpopNonceMemory } from './dpop-nonce-memory.js';
import { fetchWithDpop, type DpopRequest } from './dpop-request.js';

/** A DPoP-bound access token as a session keeps it: the token and the private JWK of its key. */
export interface BoundToken {
	readonly accessToken: string;
	/** The stored private JWK (`TokenSet.dpop`); anything else is refused. */
	readonly dpop: unknown;
}

/**
 * Calls a resource server with a DPoP-bound token the session holds (RFC 9449 §7):
 * `Authorization: DPoP <token>` and a fresh proof with `ath`, made with the session's key, following
 * one nonce challenge. The key is imported for the call and never leaves this function. Throws a
 * `TypeError` when the stored key is not a P-256 private JWK (a session written by something else).
 * The building block of issue 14's `locals.auth` resource helper.
 */
export async function fetchWithBoundToken(
	token: BoundToken,
	request: Omit<DpopRequest, 'key' | 'accessToken'> & { readonly nonces: DpopNonceMemory }
): Promise<Response> {
	const jwk = toPrivateJwk(token.dpop);
	if (jwk === null) throw new TypeError('the session holds no DPoP key for this token');
	return fetchWithDpop({ ...request, key: await importDpopKey(jwk), accessToken: token.accessToken });
}
