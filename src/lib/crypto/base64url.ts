// Base64url without padding (RFC 4648 §5), for the compact serializations the package reads and writes.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function bytesToBase64url(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes base64url; returns null (never throws) for input that is not canonical base64url. */
export function base64urlToBytes(value: string): Uint8Array | null {
	if (!BASE64URL.test(value) || value.length % 4 === 1) return null;
	const padded = value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4);
	return base64ToBytes(padded);
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
