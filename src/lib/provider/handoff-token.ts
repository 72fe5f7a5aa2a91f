import { S256_CHALLENGE } from '../crypto/pkce.js';
import { HANDOFF_LIMITS } from '../handoff-limits.js';
import {
	base64urlToBytes,
	bytesToBase64url,
	decodeBase64urlJson,
	utf8
} from '../crypto/base64url.js';
import { isPlainObject } from '../json.js';

// The compact handoff token: `base64url(payload JSON) "." base64url(HMAC-SHA256)`. Internal to the
// issuer: relying parties treat it as opaque and only ever hand it back to the verify endpoint.

/**
 * Prefix of every MAC input. The key is already derived for the `handoff-token` purpose (HKDF info);
 * the label is the second, independent guard that a value MAC'd for another purpose (a CSRF token, a
 * family key) never verifies as a handoff token and the other way round (row K4, CVE-2023-48309).
 */
export const HANDOFF_TOKEN_MAC_LABEL = 'sveltekit-sso/handoff-token/v1';

/**
 * Longest token redeem looks at. Mint refuses to produce a longer one, so every minted token stays
 * redeemable; anything longer is not ours and is rejected before any decoding (row H10).
 */
export const MAX_HANDOFF_TOKEN_LENGTH = HANDOFF_LIMITS.maxTokenLength;

const MAC_BYTES = 32;

/** The MAC'd claims. Short names keep the token, which travels in a URL, small. */
export interface HandoffTokenPayload {
	iss: string;
	/** The client the token was minted for. */
	aud: string;
	sub: string;
	/** The `state` the redeemer must present. */
	state: string;
	/** Seconds since the epoch. */
	iat: number;
	/** Seconds since the epoch; the token is expired from this instant on. */
	exp: number;
	/** Random UUID v4: the single-use record in the store, and the claim-check key when `cck` is set. */
	jti: string;
	/** Carry-over state that travels inline (serialized size ≤ 2048 bytes). */
	cos?: Record<string, unknown>;
	/** The carry-over state is claim-checked: it waits in the store under `jti`. */
	cck?: true;
	/**
	 * The S256 `code_challenge` of an app-initiated handoff: the redeemer must present its verifier,
	 * so only the browser that started the handoff (through its app) can redeem the token.
	 */
	cch?: string;
}

const CLAIMS = new Set(['iss', 'aud', 'sub', 'state', 'iat', 'exp', 'jti', 'cos', 'cck', 'cch']);

function macInput(encodedPayload: string): Uint8Array<ArrayBuffer> {
	return utf8(`${HANDOFF_TOKEN_MAC_LABEL}.${encodedPayload}`);
}

export async function signHandoffToken(payload: HandoffTokenPayload, key: CryptoKey): Promise<string> {
	const encoded = bytesToBase64url(utf8(JSON.stringify(payload)));
	const mac = await crypto.subtle.sign('HMAC', key, macInput(encoded));
	return `${encoded}.${bytesToBase64url(new Uint8Array(mac))}`;
}

/**
 * Verifies the MAC under any of `keys` (rotation: the first key signs, all verify) and returns the
 * payload; null for anything that is not a well-formed token we MAC'd. Never throws: a MAC of the
 * wrong length or a part that is not base64url is a rejection like any other (row K1), and the
 * comparison is `crypto.subtle.verify`, constant-time, never a string `===`.
 */
export async function openHandoffToken(
	token: string,
	keys: readonly CryptoKey[]
): Promise<HandoffTokenPayload | null> {
	if (token.length === 0 || token.length > MAX_HANDOFF_TOKEN_LENGTH) return null;
	const parts = token.split('.');
	if (parts.length !== 2) return null;
	const [encoded, encodedMac] = parts;
	// Canonical decoding: each MAC has exactly one spelling (X4). The payload needs no such check, as
	// the MAC covers its encoded text, not its bytes.
	const mac = base64urlToBytes(encodedMac);
	if (mac === null || mac.length !== MAC_BYTES || encoded.length === 0) return null;

	const input = macInput(encoded);
	const signature = new Uint8Array(mac);
	let verified = false;
	for (const key of keys) {
		try {
			verified = await crypto.subtle.verify('HMAC', key, signature, input);
		} catch {
			verified = false;
		}
		if (verified) break;
	}
	if (!verified) return null;

	// Decoded only once the MAC holds: nothing unauthenticated reaches JSON.parse.
	const payload = decodeBase64urlJson(encoded);
	return isPayload(payload) ? payload : null;
}

// Only our own MAC'd JSON reaches this check, so a failure means a bug or a leaked secret; it is
// still checked so that nothing downstream trusts a shape it never verified.
function isPayload(value: unknown): value is HandoffTokenPayload {
	if (!isPlainObject(value)) return false;
	for (const name of Object.keys(value)) if (!CLAIMS.has(name)) return false;
	const p = value as Record<string, unknown>;
	for (const name of ['iss', 'aud', 'sub', 'state', 'jti'] as const) {
		if (typeof p[name] !== 'string' || p[name] === '') return false;
	}
	if (!Number.isSafeInteger(p.iat) || !Number.isSafeInteger(p.exp)) return false;
	if ((p.exp as number) <= (p.iat as number)) return false;
	if (p.cos !== undefined && !isPlainObject(p.cos)) return false;
	if (p.cck !== undefined && p.cck !== true) return false;
	if (p.cos !== undefined && p.cck !== undefined) return false;
	if (p.cch !== undefined && (typeof p.cch !== 'string' || !S256_CHALLENGE.test(p.cch))) return false;
	return true;
}

// Re-exported because the issuer, the verify endpoint and strict-json-body import it from here.
export { isPlainObject };
