import type { RequestEvent } from '@sveltejs/kit';
import { BODY_TOO_LARGE, discard, readBody } from '../../http/read-body.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import { DEFAULTS, NO_STORE_HEADERS } from '../../defaults.js';
import { describe } from '../http/protocol-errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LogoutClaims, LogoutTokenVerifier } from './logout-token.js';

function answer(status: number, error?: AuthErrorCode): Response {
	const headers: Record<string, string> = { ...NO_STORE_HEADERS };
	if (status === 405) headers.allow = 'POST';
	if (error === undefined) return new Response(null, { status, headers });
	// §2.8: 400 with an OAuth-style JSON error; a fixed description, never the token's content. A 503
	// (the JWKS, discovery or the store was unavailable) says so, so the provider retries.
	headers['content-type'] = 'application/json';
	return new Response(JSON.stringify({ error: status === 503 ? 'temporarily_unavailable' : 'invalid_request' }), { status, headers });
}

/**
 * POST `backchannelLogoutPath` with `logout_token` (form-encoded): verifies it, refuses a `jti` seen
 * before (on any instance sharing the store), records the logout for the `sid` (or `sub`) it names,
 * and answers 200. The sessions it names end on their next request here, and within
 * `sessionCheckIntervalMs` on every other instance sharing the family store.
 */
export async function backchannelLogout(
	event: RequestEvent,
	runtime: Runtime,
	verify: LogoutTokenVerifier
): Promise<Response> {
	const revocation = runtime.revocation;
	const request = event.request;
	if (request.method !== 'POST') return refuse(request, 405);
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return refuse(request, 400, 'invalid_request');
	// Too large to be a logout token: 413, before a byte of it is read when its length is declared (X8).
	const bytes = await readBody(request, DEFAULTS.oidc.maxLogoutBodyBytes, { drainBytes: DEFAULTS.server.maxDrainBytes });
	if (bytes === BODY_TOO_LARGE) return answer(413);
	if (bytes === null) return answer(400, 'invalid_request');
	const tokens = new URLSearchParams(new TextDecoder().decode(bytes)).getAll('logout_token');
	if (tokens.length !== 1 || tokens[0] === '') return answer(400, 'invalid_request');

	let claims: LogoutClaims;
	try {
		claims = await verify(tokens[0]);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'invalid_token';
		runtime.report({ code, phase: 'backchannel-logout', message: describe(error), cause: error });
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
			runtime.report({ code: 'invalid_token', phase: 'backchannel-logout', message: 'logout token replayed (jti seen before)' });
			return answer(400, 'invalid_token');
		}
		await revocation.recordLogout({ iss: claims.iss, ...(claims.sid ? { sid: claims.sid } : {}), ...(claims.sub ? { sub: claims.sub } : {}) });
		await revocation.completeJti({ iss: claims.iss, jti: claims.jti });
	} catch (error) {
		runtime.report({ code: 'store_unavailable', phase: 'backchannel-logout', message: 'recording the logout failed', cause: error });
		return answer(503, 'store_unavailable');
	}
	return answer(200);
}

/** Answers before the body was read; the body is drained so that the answer reaches the sender. */
function refuse(request: Request, status: number, error?: AuthErrorCode): Response {
	discard(request, DEFAULTS.server.maxDrainBytes);
	return answer(status, error);
}
