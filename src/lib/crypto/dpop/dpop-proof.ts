import { SignJWT } from 'jose';
import { bytesToBase64url, randomToken, utf8 } from '../base64url.js';
import type { DpopKey } from './dpop-key.js';

/** What one proof is for. */
export interface DpopProofInput {
	readonly key: DpopKey;
	/** The HTTP method of the request, as sent (`htm`). */
	readonly method: string;
	/** The request URL; the proof carries it without query and fragment (`htu`, RFC 9449 §4.2). */
	readonly url: URL | string;
	/** The access token the request presents, hashed into `ath` (RFC 9449 §4.2). */
	readonly accessToken?: string;
	/** The server's last `DPoP-Nonce`, when it demands one (RFC 9449 §8). */
	readonly nonce?: string;
	/** Milliseconds since the epoch (`iat`). */
	readonly now: number;
}

/** `htu` of a request URL: RFC 9449 §4.2 excludes the query and the fragment. */
export function dpopHtu(url: URL | string): string {
	const u = new URL(url);
	return `${u.origin}${u.pathname}`;
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2). */
export async function dpopAth(accessToken: string): Promise<string> {
	return bytesToBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(accessToken))));
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg: ES256`, the public `jwk`; claims
 * `jti` (128 random bits, never reused), `htm`, `htu`, `iat`, and `ath` / `nonce` when given. A
 * proof is for one request: make a new one for every request, including a retry.
 */
export async function createDpopProof(input: DpopProofInput): Promise<string> {
	const claims: Record<string, unknown> = {
		jti: randomToken(16),
		htm: input.method.toUpperCase(),
		htu: dpopHtu(input.url),
		iat: Math.floor(input.now / 1000)
	};
	if (input.accessToken !== undefined) claims.ath = await dpopAth(input.accessToken);
	if (input.nonce !== undefined) claims.nonce = input.nonce;
	return new SignJWT(claims)
		.setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...input.key.publicJwk } })
		.sign(input.key.privateKey);
}
