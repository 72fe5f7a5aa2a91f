import { bytesToBase64url, utf8 } from './base64url.js';

// RFC 7636 S256, shared by the app (which sends the challenge) and the provider (which checks it).

/** A `code_challenge` of the S256 method: 43 base64url characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** A `code_verifier`: 43 to 128 unreserved characters (RFC 7636 §4.1). */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** `BASE64URL(SHA256(ASCII(code_verifier)))`. */
export async function s256Challenge(codeVerifier: string): Promise<string> {
	return bytesToBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(codeVerifier))));
}
