// Base64url without padding (RFC 4648 §5), for the compact serializations the package reads and writes.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function bytesToBase64url(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes base64url; returns null (never throws) for input that is not canonical base64url: no
 * padding, and the bits of the last character that encode no byte (4 after 2 characters, 2 after 3)
 * must be zero, as RFC 4648 §3.5 lets a decoder require. `atob` ignores them, so without this check
 * one value has 4 or 16 spellings (`AA`, `AB`, `AC`… all decode to 0x00) and a MAC or an identifier
 * compared as a string could be respelled (docs/SECURITY.md X4).
 */
export function base64urlToBytes(value: string): Uint8Array | null {
	if (!isCanonicalBase64url(value)) return null;
	const padded = value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4);
	return base64ToBytes(padded);
}

/** Whether `value` is canonical unpadded base64url (see {@link base64urlToBytes}). */
export function isCanonicalBase64url(value: string): boolean {
	if (!BASE64URL.test(value)) return false;
	const rest = value.length % 4;
	if (rest === 1) return false;
	return rest === 0 || (ALPHABET.indexOf(value[value.length - 1]) & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

/** Decodes standard base64 as `atob` does (padding optional); null (never throws) when `atob` refuses it. */
export function base64ToBytes(value: string): Uint8Array | null {
	let binary: string;
	try {
		binary = atob(value);
	} catch {
		return null;
	}
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

export function utf8(value: string): Uint8Array<ArrayBuffer> {
	return encoder.encode(value);
}

/** Decodes UTF-8; returns null for invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string | null {
	try {
		return decoder.decode(bytes);
	} catch {
		return null;
	}
}

/** Parses base64url-encoded JSON; null for anything malformed. */
export function decodeBase64urlJson(value: string): unknown {
	const bytes = base64urlToBytes(value);
	if (!bytes) return null;
	const text = fromUtf8(bytes);
	if (text === null) return null;
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

/** Random bytes as base64url: identifiers, states, nonces. */
export function randomToken(byteLength = 32): string {
	return bytesToBase64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}
