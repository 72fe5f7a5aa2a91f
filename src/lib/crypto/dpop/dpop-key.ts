import { calculateJwkThumbprint } from 'jose';
import { base64urlToBytes } from '../base64url.js';

// The DPoP key (RFC 9449 §2): an ES256 key pair made with Web Crypto. ES256 because every server
// that supports DPoP must accept it (FAPI 2.0 and Authrim list it) and its JWK is the smallest.

/** The private JWK of a DPoP key as the SDK stores it (sealed, server-side): P-256, never in the clear. */
export interface DpopPrivateJwk {
	readonly kty: 'EC';
	readonly crv: 'P-256';
	readonly x: string;
	readonly y: string;
	readonly d: string;
}

/** A DPoP key ready to sign: the key pair, its public JWK (the proof's `jwk` header) and its thumbprint. */
export interface DpopKey {
	readonly privateKey: CryptoKey;
	/** Extractable, as oauth4webapi's `DPoP()` handle requires of the public half. */
	readonly publicKey: CryptoKey;
	readonly publicJwk: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
	/** RFC 7638 SHA-256 thumbprint of the public key: the `jkt` a DPoP-bound token's `cnf` carries. */
	readonly thumbprint: string;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A new DPoP key, and its private JWK for storage. The key this process signs with is imported
 * non-extractable; the JWK is what a session keeps so another request (or instance) can prove
 * possession later, and it must only ever be written sealed (docs/SECURITY.md D2).
 */
export async function generateDpopKey(): Promise<{ key: DpopKey; jwk: DpopPrivateJwk }> {
	const pair = (await crypto.subtle.generateKey(ES256, true, ['sign', 'verify'])) as CryptoKeyPair;
	const jwk = toPrivateJwk(await crypto.subtle.exportKey('jwk', pair.privateKey));
	if (jwk === null) throw new Error('Web Crypto exported a P-256 key in an unexpected form');
	return { key: await importDpopKey(jwk), jwk };
}

/** The private JWK of a stored key, or null when `value` is not a well-formed P-256 private JWK. */
export function toPrivateJwk(value: unknown): DpopPrivateJwk | null {
	if (typeof value !== 'object' || value === null) return null;
	const v = value as Record<string, unknown>;
	if (v.kty !== 'EC' || v.crv !== 'P-256') return null;
	for (const name of ['x', 'y', 'd'] as const) {
		const bytes = typeof v[name] === 'string' ? base64urlToBytes(v[name]) : null;
		if (bytes === null || bytes.length !== 32) return null;
	}
	return { kty: 'EC', crv: 'P-256', x: v.x as string, y: v.y as string, d: v.d as string };
}

/** Imports a stored key: the private half non-extractable, the public half extractable. */
export async function importDpopKey(jwk: DpopPrivateJwk): Promise<DpopKey> {
	const publicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } as const;
	const [privateKey, publicKey, thumbprint] = await Promise.all([
		crypto.subtle.importKey('jwk', { ...jwk }, ES256, false, ['sign']),
		crypto.subtle.importKey('jwk', { ...publicJwk }, ES256, true, ['verify']),
		calculateJwkThumbprint(publicJwk, 'sha256')
	]);
	return { privateKey, publicKey, publicJwk, thumbprint };
}
