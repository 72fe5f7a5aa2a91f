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
	/**
	 * Step-up: the authentication context class(es) this route needs. The session's `acr` (the ID
	 * token's, kept with the session) must be one of them, compared exactly; otherwise the user is sent
	 * through a new authorization request with `acr_values` (and `prompt=login`), whose returned ID
	 * token must carry one of them — a server that ignores the request ends in the error
	 * `insufficient_user_authentication`, never in access. List every level that satisfies the route
	 * (`['urn:example:mfa', 'urn:example:hardware-key']`). An `acr_values` in `createAuthHandle`'s
	 * `authorizationParams` is asked for and verified on every sign-in instead (a login link cannot
	 * replace it), so list it here too.
	 */
	acr?: string | readonly string[];
	/**
	 * Step-up: the user must have authenticated at the identity provider at most this many seconds
	 * ago (the ID token's `auth_time`); otherwise a new authorization request with `max_age` is made
	 * and its `auth_time` verified.
	 */
	maxAge?: number;
	/** Where a step-up starts: `createAuthHandle`'s `loginPath`. Default `'/auth/login'`. */
	stepUpPath?: string;
}

// acr values as OIDC Core §3.1.2.1 allows them in acr_values: printable, no spaces.
const ACR = /^[\x21-\x7E]{1,256}$/;

function checkPath(name: string, path: unknown): string {
	if (typeof path !== 'string' || !path.startsWith('/') || /^\/[\\/]|[\s\\]/.test(path)) {
		throw misuse('ERR_INVALID_ARGUMENT', `requireAuth: options.${name} must be a path starting with '/'`);
	}
	return path;
}

function stepUpOf(options: RequireAuthOptions): { acr: readonly string[] | undefined; maxAge: number | undefined } {
	const acr = options.acr === undefined ? undefined : typeof options.acr === 'string' ? [options.acr] : options.acr;
	if (acr !== undefined && (!Array.isArray(acr) || acr.length === 0 || acr.length > 8 || !acr.every((v) => typeof v === 'string' && ACR.test(v)))) {
		throw misuse('ERR_INVALID_ARGUMENT', 'requireAuth: options.acr must be an acr value or a list of up to 8 (printable, no spaces)');
	}
	const maxAge = options.maxAge;
	if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 999_999_999)) {
		throw misuse('ERR_INVALID_ARGUMENT', 'requireAuth: options.maxAge must be a non-negative integer number of seconds');
	}
	return { acr, maxAge };
}

/**
 * Returns the signed-in auth of a request, or throws a 303 redirect to `loginPath` with
 * `redirectTo` carrying the current path and query (a same-origin path only). With `acr` or
 * `maxAge`, a session that does not meet them is sent through a step-up sign-in at `stepUpPath`
 * (see {@link RequireAuthOptions}).
 *
 * ```ts
 * export const load = async (event) => {
 *   const auth = await requireAuth(event);
 *   return { user: auth.user };
 * };
 * // a route that needs multi-factor authentication within the last 10 minutes:
 * await requireAuth(event, { acr: 'urn:example:mfa', maxAge: 600 });
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
	const { acr, maxAge } = stepUpOf(options);
	const stepUp = acr !== undefined || maxAge !== undefined;
	let acrUnmet = false;
	if (auth.isAuthenticated) {
		acrUnmet = acr !== undefined && (auth.session.acr === undefined || !acr.includes(auth.session.acr));
		const tooOld = maxAge !== undefined && (auth.session.authenticatedAt === undefined || Date.now() - auth.session.authenticatedAt > maxAge * 1000);
		if (!acrUnmet && !tooOld) return auth;
	} else {
		acrUnmet = acr !== undefined;
	}
	// Signed out with a level to meet: only a sign-in at the identity provider can meet it, so go there
	// directly instead of through the app's login page.
	const loginPath = stepUp ? checkPath('stepUpPath', options.stepUpPath ?? DEFAULTS.oidc.loginPath) : checkPath('loginPath', options.loginPath ?? DEFAULTS.auth.loginPath);
	// cleanSelfUrl collapses leading slashes (a request for //evil.example/x must not come back as a
	// protocol-relative target) and drops one-time values that must not ride along into redirectTo.
	// A copy without the fragment: SvelteKit throws when server code reads `event.url.hash`.
	const copy = new URL('http://app.invalid');
	copy.pathname = event.url.pathname;
	copy.search = event.url.search;
	const here = cleanSelfUrl(copy, ONE_TIME_PARAMS);
	const separator = loginPath.includes('?') ? '&' : '?';
	let target = `${loginPath}${separator}redirectTo=${encodeURIComponent(here)}`;
	if (acr !== undefined) target += `&acr_values=${encodeURIComponent(acr.join(' '))}`;
	if (maxAge !== undefined) target += `&max_age=${maxAge}`;
	// The identity provider may hold a session at a lower level and answer from it without asking.
	if (acrUnmet && auth.isAuthenticated) target += '&prompt=login';
	redirect(303, target);
}
