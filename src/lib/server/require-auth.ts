import { redirect, type RequestEvent } from '@sveltejs/kit';
import { misuse } from '../errors.js';
import type { ServerAuthContext, SignedInAuth } from '../types.js';
import { DEFAULTS } from '../defaults.js';
import { cleanSelfUrl } from './http/return-to.js';

// Never carried into redirectTo: handoff tokens, authorization codes and their states.
const ONE_TIME_PARAMS = ['handoff_token', 'state', 'code', 'iss', 'session_state'];

/** Options of {@link requireAuth}. */
export interface RequireAuthOptions {
	/** Where a signed-out user is sent. Default `'/login'`. */
	loginPath?: string;
}

/**
 * Returns the signed-in auth of a request, or throws a 303 redirect to `loginPath` with
 * `redirectTo` carrying the current path and query (a same-origin path only).
 *
 * ```ts
 * export const load = async (event) => {
 *   const auth = await requireAuth(event);
 *   return { user: auth.user };
 * };
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when `createAuthHandle` is not installed.
 */
export async function requireAuth(
	event: Pick<RequestEvent, 'locals' | 'url'>,
	options: RequireAuthOptions = {}
): Promise<SignedInAuth> {
	const auth = (event.locals as { auth?: ServerAuthContext }).auth;
	if (auth === undefined) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			'requireAuth: event.locals.auth is not set — add createAuthHandle({ issuer, clientId }) to `handle` in src/hooks.server.ts'
		);
	}
	if (auth.isAuthenticated) return auth;
	const loginPath = options.loginPath ?? DEFAULTS.auth.loginPath;
	if (typeof loginPath !== 'string' || !loginPath.startsWith('/') || /^\/[\\/]|[\s\\]/.test(loginPath)) {
		throw misuse('ERR_INVALID_ARGUMENT', "requireAuth: options.loginPath must be a path starting with '/'");
	}
	// cleanSelfUrl collapses leading slashes (a request for //evil.example/x must not come back as a
	// protocol-relative target) and drops one-time values that must not ride along into redirectTo.
	// A copy without the fragment: SvelteKit throws when server code reads `event.url.hash`.
	const copy = new URL('http://app.invalid');
	copy.pathname = event.url.pathname;
	copy.search = event.url.search;
	const here = cleanSelfUrl(copy, ONE_TIME_PARAMS);
	const separator = loginPath.includes('?') ? '&' : '?';
	redirect(303, `${loginPath}${separator}redirectTo=${encodeURIComponent(here)}`);
}
