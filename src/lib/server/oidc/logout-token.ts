import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type * as oauth from 'oauth4webapi';
import type { Clock } from '../../clock.js';
import { AuthError } from '../../errors.js';
import { DEFAULTS } from '../../defaults.js';
import { describe } from '../http/protocol-errors.js';

/** What verifying a logout token needs: the issuer's metadata, how to fetch its JWKS, this client. */
export interface LogoutTokenVerifierDeps {
	readonly clientId: string;
	readonly clock: Clock;
	readonly discovery: { get(): Promise<oauth.AuthorizationServer> };
	readonly fetch: typeof fetch;
	readonly timeoutMs: number;
}

/** Verifies one logout token; throws `AuthError` (`invalid_token`, or `network_error` / `timeout` for a JWKS outage). */
export type LogoutTokenVerifier = (token: string) => Promise<LogoutClaims>;

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
// RFC 8725 §3.11 explicit typing; Back-Channel Logout 1.0 §2.4 registers `logout+jwt` and only
// recommends it: many providers (Glewlwyd among them) still send the generic `JWT`. Those are
// accepted; any other explicit type (an access token's `at+jwt`, …) is not a logout token. An ID
// token typed `JWT` is still refused by the `events` and `nonce` checks below.
const LOGOUT_TYP = /^(?:(?:application\/)?logout\+jwt|jwt)$/i;

const isTimeout = (error: unknown) => error instanceof Error && error.name === 'TimeoutError';

/** A verified logout token: who to sign out. */
export interface LogoutClaims {
	readonly iss: string;
	readonly sid?: string;
	readonly sub?: string;
	readonly jti: string;
	readonly iat: number;
}

/**
 * Verifies a logout token (OIDC Back-Channel Logout 1.0 §2.6) against the issuer's JWKS: signature
 * with an algorithm the issuer advertises (never `none`), `iss`, `aud` (this client, and no other
 * audience), `iat` (recent), `exp` when present, `jti`, the back-channel `events` member, `sid` or
 * `sub`, no `nonce` (an ID token is not a logout token), and `typ` `logout+jwt` or `JWT` when typed.
 */
export function createLogoutTokenVerifier(deps: LogoutTokenVerifierDeps): LogoutTokenVerifier {
	let keys: { uri: string; get: JWTVerifyGetKey } | undefined;

	// Whatever goes wrong while getting the issuer's keys is the issuer's outage, not the token's fault:
	// it ends as `network_error` / `timeout`, which the back-channel route answers 503 so the server
	// retries. Only the token's own failures are `invalid_token` (400, never retried).
	const jwksFetch: typeof fetch = async (input, init) => {
		let response: Response;
		try {
			response = await deps.fetch(input, init);
		} catch (error) {
			// jose's only signal is its timeout.
			if (init?.signal?.aborted || isTimeout(error)) throw new AuthError('timeout', 'logout token: the JWKS did not answer in time', { cause: error });
			throw new AuthError('network_error', 'logout token: the JWKS could not be fetched', { cause: error });
		}
		if (response.status !== 200) {
			await response.body?.cancel().catch(() => {});
			throw new AuthError('network_error', `logout token: the JWKS answered ${response.status}`);
		}
		return response;
	};

	function keySet(jwksUri: string): JWTVerifyGetKey {
		if (keys?.uri !== jwksUri) {
			const remote = createRemoteJWKSet(new URL(jwksUri), {
				[customFetch]: jwksFetch,
				timeoutDuration: deps.timeoutMs
			});
			const get: JWTVerifyGetKey = async (header, token) => {
				try {
					return await remote(header, token);
				} catch (error) {
					if (error instanceof AuthError) throw error;
					// Several keys without a `kid` that could all verify: refuse rather than try each (I7).
					if (error instanceof errors.JWKSMultipleMatchingKeys) throw new AuthError('invalid_token', 'multiple keys match and the token has no "kid"');
					if (error instanceof errors.JWKSTimeout) throw new AuthError('timeout', 'logout token: the JWKS did not answer in time', { cause: error });
					// A body that is not JSON (jose's plain JOSEError, thrown only while fetching the set) or
					// JSON that is not a key set: the JWKS is unhealthy.
					if (error instanceof errors.JWKSInvalid || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')) {
						if (isTimeout((error as Error).cause)) throw new AuthError('timeout', 'logout token: the JWKS did not answer in time', { cause: error });
						throw new AuthError('network_error', 'logout token: the JWKS is not a readable key set', { cause: error });
					}
					// No matching key, an algorithm no key set can hold, a key that does not import: the token's.
					throw error;
				}
			};
			keys = { uri: jwksUri, get };
		}
		return keys.get;
	}

	return async function verify(token: string): Promise<LogoutClaims> {
		const as = await deps.discovery.get();
		if (!as.jwks_uri) throw new AuthError('invalid_response', 'the issuer has no jwks_uri');
		const algorithms = (as.id_token_signing_alg_values_supported ?? ['RS256']).filter((alg) => alg !== 'none');
		let payload: JWTPayload;
		let typ: string | undefined;
		try {
			const verified = await jwtVerify(token, keySet(as.jwks_uri), {
				issuer: as.issuer,
				audience: deps.clientId,
				algorithms,
				requiredClaims: ['iss', 'aud', 'iat', 'jti'],
				maxTokenAge: `${Math.floor(DEFAULTS.oidc.logoutTokenMaxAgeMs / 1000)}s`,
				clockTolerance: 60,
				currentDate: new Date(deps.clock())
			});
			payload = verified.payload;
			typ = verified.protectedHeader.typ;
		} catch (error) {
			// AuthError: the JWKS could not be had (network_error / timeout), or I7's refusal.
			if (error instanceof AuthError) throw error;
			throw new AuthError('invalid_token', `logout token: ${describe(error)}`, { cause: error });
		}
		if (typ !== undefined && !LOGOUT_TYP.test(typ)) throw new AuthError('invalid_token', 'logout token: "typ" is neither logout+jwt nor JWT');
		if (Array.isArray(payload.aud) && (payload.aud.length !== 1 || payload.aud[0] !== deps.clientId)) {
			throw new AuthError('invalid_token', 'logout token: further audiences');
		}
		const events = payload.events as Record<string, unknown> | undefined;
		if (!events || typeof events !== 'object' || Array.isArray(events)) throw new AuthError('invalid_token', 'logout token: no "events" claim');
		const member = events[EVENT];
		if (!member || typeof member !== 'object' || Array.isArray(member)) throw new AuthError('invalid_token', 'logout token: "events" has no back-channel logout member');
		if (payload.nonce !== undefined) throw new AuthError('invalid_token', 'logout token: a "nonce" is present');
		const sid = payload.sid;
		const sub = payload.sub;
		if (sid !== undefined && (typeof sid !== 'string' || sid === '')) throw new AuthError('invalid_token', 'logout token: malformed "sid"');
		if (sub !== undefined && (typeof sub !== 'string' || sub === '')) throw new AuthError('invalid_token', 'logout token: malformed "sub"');
		if (sid === undefined && sub === undefined) throw new AuthError('invalid_token', 'logout token: neither "sid" nor "sub"');
		if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 512) throw new AuthError('invalid_token', 'logout token: malformed "jti"');
		return {
			iss: payload.iss as string,
			jti: payload.jti,
			iat: payload.iat as number,
			...(sid === undefined ? {} : { sid }),
			...(sub === undefined ? {} : { sub })
		};
	};
}

