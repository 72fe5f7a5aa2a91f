import { misuse } from '../errors.js';
import type { AuthUser, ServerAuthContext, SessionInfo } from '../types.js';

/**
 * The part of a session that may reach the browser: who is signed in and until when. It never holds
 * a token — those stay sealed in the HttpOnly session cookie and on the server.
 */
export interface PublicAuth {
	readonly user: AuthUser;
	readonly session: SessionInfo;
	/**
	 * The carry-over state of the handoff that signed this browser in, on the first request after
	 * the handoff only. Present only when {@link publicAuth} was asked for it.
	 */
	readonly carryOverState?: Readonly<Record<string, unknown>> | null;
}

/** Options of {@link publicAuth}. */
export interface PublicAuthOptions {
	/**
	 * Also send the handoff's carry-over state to the browser (it is on `locals.auth` for the first
	 * request after a handoff only; the client context then keeps it for the rest of the session in
	 * that tab). Off by default: the authorization server decides what carry-over state holds, and
	 * the app decides whether its pages may see it. Default `false`.
	 */
	carryOverState?: boolean;
}

// User claims that would be credentials if an authorization server put them into the user object.
// Defence in depth: `AuthUser` never carries them, but it accepts any claim.
const CREDENTIAL_CLAIM = /token$|secret|password|credential/i;

/**
 * The public part of `locals.auth` for the root `+layout.server.ts`: `{ user, session }` when signed
 * in, `null` when signed out. Its result is what {@link setAuthContext} reads; it is plain data
 * (copies, no functions), so SvelteKit serializes it as is, and it never contains a token.
 *
 * ```ts
 * // src/routes/+layout.server.ts
 * import { publicAuth } from 'sveltekit-sso';
 * export const load = ({ locals }) => ({ auth: publicAuth(locals.auth) });
 * ```
 *
 * @param auth `event.locals.auth`, as `createAuthHandle` sets it.
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when `auth` is not set: `createAuthHandle` is not in
 * `handle` in src/hooks.server.ts.
 */
export function publicAuth(
	auth: Pick<ServerAuthContext, 'isAuthenticated' | 'user' | 'session' | 'carryOverState'> | undefined,
	options: PublicAuthOptions = {}
): PublicAuth | null {
	if (auth === undefined || auth === null || typeof auth !== 'object') {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			'publicAuth: locals.auth is not set — add createAuthHandle({ issuer, clientId }) to `handle` in src/hooks.server.ts'
		);
	}
	if (!auth.isAuthenticated || !auth.user || !auth.session) return null;
	const user: Record<string, unknown> = {};
	for (const [claim, value] of Object.entries(auth.user)) {
		if (!CREDENTIAL_CLAIM.test(claim) && typeof value !== 'function') user[claim] = value;
	}
	const result: { user: AuthUser; session: SessionInfo; carryOverState?: Readonly<Record<string, unknown>> | null } = {
		user: user as AuthUser,
		session: { ...auth.session }
	};
	if (options.carryOverState) result.carryOverState = auth.carryOverState ?? null;
	return result;
}
