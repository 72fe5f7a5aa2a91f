import { isDevelopment, warnOnce } from '../../environment.js';
import { misuse } from '../../errors.js';

/** The client authentication methods of `clientAuth` that need no more than a name. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Signature algorithms a `private_key_jwt` assertion may use (what oauth4webapi signs with). */
export type ClientAssertionAlg = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512' | 'RS256' | 'RS384' | 'RS512' | 'EdDSA' | 'Ed25519';

/**
 * `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): every call to the token, pushed authorization
 * request and revocation endpoints carries a short-lived JWT signed with the app's private key, whose
 * `aud` is the server's issuer identifier (FAPI 2.0 §5.3.2.1, as oauth4webapi sends it). No shared
 * secret exists, so none can leak from the app or the server.
 */
export interface PrivateKeyJwtClientAuth {
	readonly method: 'private_key_jwt';
	/**
	 * The private key: a Web Crypto `CryptoKey` (type `private`, usage `sign`) or a private JWK (with
	 * `d`). The server knows the matching public key (its `jwks` or `jwks_uri` registration).
	 */
	readonly key: CryptoKey | JsonWebKey;
	/** The `kid` of the assertion's header, as the server has it registered. Default: the JWK's own `kid`. */
	readonly kid?: string;
	/** The assertion's `alg`. Default: the JWK's `alg`, else ES256 for a P-256 key, EdDSA for Ed25519; required for an RSA JWK without `alg`. */
	readonly alg?: ClientAssertionAlg;
}

/**
 * How this app authenticates to the authorization server's token, pushed authorization request (PAR)
 * and revocation endpoints: a method name, or `{ method: 'private_key_jwt', key, kid }`.
 */
export type ClientAuthOption = ClientAuthMethod | { readonly method: ClientAuthMethod } | PrivateKeyJwtClientAuth;

/** `clientAuth`, validated. */
export type ClientAuthConfig =
	| { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly secret: string }
	| { readonly method: 'none' }
	| { readonly method: 'private_key_jwt'; readonly key: CryptoKey | JsonWebKey; readonly kid: string | undefined; readonly alg: ClientAssertionAlg };

const METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;
const ALGS = new Set<string>(['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519']);
const CURVE_ALGS: Record<string, ClientAssertionAlg> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };
// RFC 6749 §2.3.1 form-encodes the id and secret inside HTTP Basic: anything but letters and digits
// changes, and some servers (Glewlwyd among them) compare without decoding.
const BASIC_SAFE = /^[A-Za-z0-9]*$/;

function isCryptoKey(value: unknown): value is CryptoKey {
	return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

/**
 * Validates `clientAuth` against `clientSecret`, once, at construction. Without `clientAuth` the
 * method is `client_secret_basic` with a secret and `none` without one (the behaviour before the
 * option existed).
 */
export function resolveClientAuth(fn: string, option: unknown, clientId: string, clientSecret: string | undefined): ClientAuthConfig {
	const name = `${fn}: options.clientAuth`;
	if (option === undefined) {
		if (clientSecret === undefined) return { method: 'none' };
		if (isDevelopment() && !(BASIC_SAFE.test(clientId) && BASIC_SAFE.test(clientSecret))) {
			// Only when the method was not chosen: an explicit 'client_secret_basic' says the server decodes it.
			warnOnce(
				`${fn}:basic-encoding:${clientId}`,
				`${fn}: the client id or secret contains characters that client_secret_basic form-encodes (RFC 6749 §2.3.1); servers that do not decode them refuse the client (invalid_client). Set options.clientAuth to 'client_secret_post' for those, or to 'client_secret_basic' to keep it and silence this.`
			);
		}
		return { method: 'client_secret_basic', secret: clientSecret };
	}
	const spec = typeof option === 'string' ? { method: option } : option;
	if (typeof spec !== 'object' || spec === null || !METHODS.includes((spec as { method?: unknown }).method as (typeof METHODS)[number])) {
		throw misuse('ERR_INVALID_OPTION', `${name} must be 'client_secret_basic', 'client_secret_post', 'none' or { method: 'private_key_jwt', key }`);
	}
	const method = (spec as { method: (typeof METHODS)[number] }).method;
	switch (method) {
		case 'client_secret_basic':
		case 'client_secret_post':
			if (clientSecret === undefined) throw misuse('ERR_INVALID_OPTION', `${name} is '${method}' but options.clientSecret is not set`);
			return { method, secret: clientSecret };
		case 'none':
			if (clientSecret !== undefined) {
				throw misuse('ERR_INVALID_OPTION', `${name} is 'none' (a public client) but options.clientSecret is set: remove the secret or choose a secret method`);
			}
			return { method };
		case 'private_key_jwt':
			if (clientSecret !== undefined) {
				throw misuse('ERR_INVALID_OPTION', `${name} is 'private_key_jwt' but options.clientSecret is set: a private_key_jwt client has no secret`);
			}
			return privateKeyJwt(name, spec as Partial<PrivateKeyJwtClientAuth>);
	}
}

function privateKeyJwt(name: string, spec: Partial<PrivateKeyJwtClientAuth>): ClientAuthConfig {
	const { key, kid } = spec;
	if (kid !== undefined && (typeof kid !== 'string' || kid === '' || kid.length > 256)) {
		throw misuse('ERR_INVALID_OPTION', `${name}.kid must be a non-empty string`);
	}
	if (spec.alg !== undefined && !ALGS.has(spec.alg)) throw misuse('ERR_INVALID_OPTION', `${name}.alg must be one of ${[...ALGS].join(', ')}`);
	if (isCryptoKey(key)) {
		if (key.type !== 'private' || !key.usages.includes('sign')) {
			throw misuse('ERR_INVALID_OPTION', `${name}.key must be a private CryptoKey with the 'sign' usage`);
		}
		const alg = spec.alg ?? algOfCryptoKey(key);
		if (!alg) throw misuse('ERR_INVALID_OPTION', `${name}.alg is required for this key`);
		return { method: 'private_key_jwt', key, kid, alg };
	}
	if (typeof key !== 'object' || key === null) {
		throw misuse('ERR_INVALID_OPTION', `${name}.key is required for 'private_key_jwt': a private JWK or a private CryptoKey`);
	}
	const jwk = key as JsonWebKey & { kid?: unknown };
	if (typeof jwk.kty !== 'string' || typeof jwk.d !== 'string') {
		throw misuse('ERR_INVALID_OPTION', `${name}.key must be a private JWK (with "kty" and "d"); a public key cannot sign`);
	}
	const alg = spec.alg ?? (typeof jwk.alg === 'string' ? jwk.alg : jwk.crv ? CURVE_ALGS[jwk.crv] : undefined);
	if (!alg || !ALGS.has(alg)) throw misuse('ERR_INVALID_OPTION', `${name}.alg is required for this JWK (e.g. 'PS256' for an RSA key)`);
	const chosenKid = kid ?? (typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined);
	return { method: 'private_key_jwt', key: jwk, kid: chosenKid, alg: alg as ClientAssertionAlg };
}

function algOfCryptoKey(key: CryptoKey): ClientAssertionAlg | undefined {
	const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
	if (algorithm.name === 'ECDSA') return algorithm.namedCurve ? CURVE_ALGS[algorithm.namedCurve] : undefined;
	if (algorithm.name === 'Ed25519') return 'EdDSA';
	const bits = algorithm.hash?.name.replace('SHA-', '');
	if (algorithm.name === 'RSA-PSS') return `PS${bits}` as ClientAssertionAlg;
	if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}` as ClientAssertionAlg;
	return undefined;
}
