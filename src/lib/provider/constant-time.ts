import { utf8 } from '../crypto/base64url.js';

/**
 * Compares two strings in time that depends on neither their content nor their lengths: both are
 * hashed with SHA-256 first and the fixed-length digests are compared without an early exit. A plain
 * `===` stops at the first differing character, which lets a caller who can time many requests
 * learn a client secret or a bound `state` one character at a time.
 */
export async function equalsConstantTime(a: string, b: string): Promise<boolean> {
	const [left, right] = await Promise.all([
		crypto.subtle.digest('SHA-256', utf8(a)),
		crypto.subtle.digest('SHA-256', utf8(b))
	]);
	const x = new Uint8Array(left);
	const y = new Uint8Array(right);
	let difference = 0;
	for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
	return difference === 0;
}
