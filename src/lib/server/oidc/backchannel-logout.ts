import { readBodyCapped } from '../../http/read-body.js';
import type { RequestEvent } from '@sveltejs/kit';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import { DEFAULTS, NO_STORE_HEADERS } from '../defaults.js';
import type { SessionRevocation } from '../refresh/session-revocation.js';
import { describe } from './errors.js';
import type { OidcRuntime } from './options.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
// RFC 8725 §3.11 explicit typing; Back-Channel Logout 1.0 §2.4 registers `logout+jwt`.
const LOGOUT_TYP = /^(?:application\/)?logout\+jwt$/i;

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
 * `sub`, no `nonce` (an ID token is not a logout token), and `typ` `logout+jwt` when typed.
 */
export function createLogoutTokenVerifier(runtime: OidcRuntime) {
	let keys: { uri: string; get: JWTVerifyGetKey } | undefined;

	function keySet(jwksUri: string): JWTVerifyGetKey {
		if (keys?.uri !== jwksUri) {
			const remote = createRemoteJWKSet(new URL(jwksUri), {
				[customFetch]: runtime.connection.fetch,
				timeoutDuration: runtime.connection.timeoutMs
			});
			// Several keys without a `kid` that could all verify: refuse rather than try each (I7).
			const get: JWTVerifyGetKey = async (header, token) => {
				try {
					return await remote(header, token);
				} catch (error) {
					if (error instanceof errors.JWKSMultipleMatchingKeys) throw new AuthError('invalid_token', 'multiple keys match and the token has no "kid"');
					throw error;
				}
			};
			keys = { uri: jwksUri, get };
		}
		return keys.get;
	}

	return async function verify(token: string): Promise<LogoutClaims> {
		const as = await runtime.discovery.get();
		if (!as.jwks_uri) throw new AuthError('invalid_response', 'the issuer has no jwks_uri');
		const algorithms = (as.id_token_signing_alg_values_supported ?? ['RS256']).filter((alg) => alg !== 'none');
		let payload: JWTPayload;
		let typ: string | undefined;
		try {
			const verified = await jwtVerify(token, keySet(as.jwks_uri), {
				issuer: as.issuer,
				audience: runtime.clientId,
				algorithms,
				requiredClaims: ['iss', 'aud', 'iat', 'jti'],
				maxTokenAge: `${Math.floor(DEFAULTS.oidc.logoutTokenMaxAgeMs / 1000)}s`,
				clockTolerance: 60,
				currentDate: new Date(runtime.clock())
			});
			payload = verified.payload;
			typ = verified.protectedHeader.typ;
		} catch (error) {
			if (error instanceof AuthError) throw error;
			// The issuer's JWKS could not be fetched: not the token's fault, so the server may retry (503).
			if (error instanceof errors.JWKSTimeout) throw new AuthError('timeout', 'logout token: the JWKS did not answer in time', { cause: error });
			if (error instanceof TypeError || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JWKS|fetch/i.test(error.message))) {
				throw new AuthError('network_error', 'logout token: the JWKS could not be fetched', { cause: error });
			}
			throw new AuthError('invalid_token', `logout token: ${describe(error)}`, { cause: error });
		}
		if (typ !== undefined && !LOGOUT_TYP.test(typ)) throw new AuthError('invalid_token', 'logout token: "typ" is not logout+jwt');
		if (Array.isArray(payload.aud) && (payload.aud.length !== 1 || payload.aud[0] !== runtime.clientId)) {
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

function answer(status: number, error?: AuthErrorCode): Response {
	const headers: Record<string, string> = { ...NO_STORE_HEADERS };
	if (status === 405) headers.allow = 'POST';
	if (error === undefined) return new Response(null, { status, headers });
	// §2.8: 400 with an OAuth-style JSON error; a fixed description, never the token's content.
	headers['content-type'] = 'application/json';
	return new Response(JSON.stringify({ error: error === 'store_unavailable' ? 'temporarily_unavailable' : 'invalid_request' }), { status, headers });
}

/**
 * POST `backchannelLogoutPath` with `logout_token` (form-encoded): verifies it, refuses a `jti` seen
 * before (on any instance sharing the store), records the logout for the `sid` (or `sub`) it names,
 * and answers 200. The sessions it names end on their next request here, and within
 * `sessionCheckIntervalMs` on every other instance sharing the family store.
 */
export async function backchannelLogout(
	event: RequestEvent,
	runtime: OidcRuntime,
	verify: ReturnType<typeof createLogoutTokenVerifier>,
	revocation: SessionRevocation
): Promise<Response> {
	if (event.request.method !== 'POST') return answer(405);
	const type = event.request.headers.get('content-type') ?? '';
	if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return answer(400, 'invalid_request');
	let body: string;
	try {
		body = await readLimited(event.request, DEFAULTS.oidc.maxLogoutBodyBytes);
	} catch {
		return answer(400, 'invalid_request');
	}
	const tokens = new URLSearchParams(body).getAll('logout_token');
	if (tokens.length !== 1 || tokens[0] === '') return answer(400, 'invalid_request');

	let claims: LogoutClaims;
	try {
		claims = await verify(tokens[0]);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'invalid_token';
		runtime.onError({ code, phase: 'backchannel-logout', message: describe(error), cause: error });
		// The JWKS or discovery could not be fetched: the server may retry later.
		return answer(code === 'network_error' || code === 'timeout' ? 503 : 400, code);
	}
	try {
		const fresh = await revocation.claimJti({
			iss: claims.iss,
			jti: claims.jti,
			expiresAtMs: claims.iat * 1000 + DEFAULTS.oidc.logoutTokenMaxAgeMs + 60_000
		});
		if (!fresh) {
			runtime.onError({ code: 'invalid_token', phase: 'backchannel-logout', message: 'logout token replayed (jti seen before)' });
			return answer(400, 'invalid_token');
		}
		await revocation.recordLogout({ iss: claims.iss, ...(claims.sid ? { sid: claims.sid } : {}), ...(claims.sub ? { sub: claims.sub } : {}) });
		await revocation.completeJti({ iss: claims.iss, jti: claims.jti });
	} catch (error) {
		runtime.onError({ code: 'store_unavailable', phase: 'backchannel-logout', message: 'recording the logout failed', cause: error });
		return answer(503, 'store_unavailable');
	}
	return answer(200);
}

async function readLimited(request: Request, limit: number): Promise<string> {
	const bytes = await readBodyCapped(request, limit);
	if (bytes === null) throw new Error('too large or unreadable');
	return new TextDecoder().decode(bytes);
}
