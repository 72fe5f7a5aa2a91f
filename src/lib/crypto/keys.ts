import { bytesToBase64url, utf8 } from './base64url.js';

/**
 * Everything the package derives from a secret carries its purpose in the HKDF `info`, so a value
 * sealed or MAC'd for one purpose never verifies as another (CVE-2023-48309: a state cookie accepted
 * as a session).
 */
export type KeyPurpose =
	| 'session'
	| 'transaction'
	| 'handoff-result'
	| 'handoff-token'
	| 'handoff-state'
	/** Token sets sealed into refresh-token family payloads: the family store never holds a token in the clear. */
	| 'family'
	/** Keys of logout records (HMAC of issuer and sid, sub or jti): the family store never sees a raw `sub`. */
	| 'logout-record';

const SALT = utf8('sveltekit-sso');

async function hkdfBase(secret: string): Promise<CryptoKey> {
	return crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey', 'deriveBits']);
}

/** A key identifier that is the same on every instance holding the secret and reveals nothing of it. */
export async function deriveKeyId(secret: string): Promise<string> {
	const base = await hkdfBase(secret);
	const bits = await crypto.subtle.deriveBits(
		{ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8('sveltekit-sso/v1/kid') },
		base,
		64
	);
	return bytesToBase64url(new Uint8Array(bits));
}

/** An AES-256-GCM key for one purpose. */
export async function deriveEncryptionKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
	const base = await hkdfBase(secret);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8(`sveltekit-sso/v1/${purpose}`) },
		base,
		{ name: 'AES-GCM', length: 256 },
		false,
		['encrypt', 'decrypt']
	);
}

/** An HMAC-SHA256 key for one purpose. */
export async function deriveMacKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
	const base = await hkdfBase(secret);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8(`sveltekit-sso/v1/${purpose}`) },
		base,
		{ name: 'HMAC', hash: 'SHA-256', length: 256 },
		false,
		['sign', 'verify']
	);
}

/**
 * The 32 bytes of the AES-256-GCM key for one purpose, for an engine that imports raw keys (the
 * native path): the same bytes {@link deriveEncryptionKey} derives, so both engines seal under one key.
 * The caller wipes them once imported.
 */
export async function deriveRawEncryptionKey(secret: string, purpose: KeyPurpose): Promise<Uint8Array<ArrayBuffer>> {
	const base = await hkdfBase(secret);
	const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8(`sveltekit-sso/v1/${purpose}`) }, base, 256);
	return new Uint8Array(bits);
}
