import { readBodyCapped } from '../../http/read-body.js';
import type { RequestEvent } from '@sveltejs/kit';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import { DEFAULTS, NO_STORE_HEADERS } from '../../defaults.js';
import { describe } from '../http/protocol-errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LogoutClaims, LogoutTokenVerifier } from './logout-token.js';

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
	runtime: Runtime,
	verify: LogoutTokenVerifier
): Promise<Response> {
	const revocation = runtime.revocation;
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

async function readLimited(request: Request, limit: number): Promise<string> {
	const bytes = await readBodyCapped(request, limit);
	if (bytes === null) throw new Error('too large or unreadable');
	return new TextDecoder().decode(bytes);
}
