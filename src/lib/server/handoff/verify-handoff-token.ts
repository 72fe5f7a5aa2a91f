import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import type { AuthErrorCode } from '../../errors.js';
import type { AuthUser, SessionInfo } from '../../types.js';
import type { ServerAuthContext } from '../auth-context.js';
import { requestState } from '../request-state.js';
import { completeHandoff } from './complete-handoff.js';
import { resolveHandoffOptions, type HandoffOptions, type HandoffRuntime } from './handoff-options.js';
import { defaultHandoffRuntime } from './handoff-handler.js';

/** The result of {@link verifyHandoffToken}: a value, never an exception for bad input. */
export type VerifyHandoffResult =
	| { readonly success: true; readonly session: SessionInfo; readonly user: AuthUser }
	| { readonly success: false; readonly error: AuthErrorCode };

// Options objects the app passes on every call resolve once, not once per request (no key derivation
// on the request path).
const resolved = new WeakMap<object, HandoffRuntime>();
const byValue = new Map<string, HandoffRuntime>();

function runtimeFor(options: HandoffOptions | undefined): HandoffRuntime {
	if (options === undefined) {
		const fallback = defaultHandoffRuntime();
		if (!fallback) return resolveHandoffOptions('verifyHandoffToken', options as unknown as HandoffOptions);
		return fallback;
	}
	let runtime = resolved.get(options);
	if (runtime) return runtime;
	// The seed passes a fresh literal on each call: options of plain data (nested objects included)
	// are keyed by value. Options holding functions (fetch, onError, clock) must be a module-level
	// constant to be resolved once; otherwise every call resolves them anew.
	const key = plainKey(options);
	runtime = (key && byValue.get(key)) || resolveHandoffOptions('verifyHandoffToken', options);
	resolved.set(options, runtime);
	if (key && byValue.size < 32) byValue.set(key, runtime);
	return runtime;
}

/**
 * Verifies the handoff in the request URL from a load function (seed 001's manual form): the same
 * checks as `createHandoffHandler`, then the session cookie is written through `event.cookies`.
 * When the handler has already redeemed the token for this browser (it answered the 303 that led
 * here), the result is the session it created, so the hook and the route never fight over the
 * one-time token.
 *
 * ```ts
 * export const load = async (event) => {
 *   const result = await verifyHandoffToken(event, { issuer, clientId });
 *   if (!result.success) redirect(302, '/login?error=' + result.error);
 *   redirect(302, '/dashboard');
 * };
 * ```
 *
 * @param options Default: the configuration of the app's `createHandoffHandler`.
 * @throws TypeError (code `ERR_INVALID_OPTION`) for invalid options — never for bad input.
 */
export async function verifyHandoffToken(event: RequestEvent, options?: HandoffOptions): Promise<VerifyHandoffResult> {
	const runtime = runtimeFor(options);
	const state = requestState(event.locals);
	const locals = event.locals as { auth?: ServerAuthContext };
	// The hook redeemed the token and answered the 303 that led here: the session it made is the result.
	// A token in this URL is a new handoff and is verified like any other.
	if (state.handoffDone && locals.auth?.isAuthenticated && !event.url.searchParams.has('handoff_token')) {
		return { success: true, session: locals.auth.session, user: locals.auth.user };
	}
	const batch = new CookieBatch();
	const outcome = await completeHandoff(event, runtime, batch);
	batch.applyTo(event.cookies);
	// Success or failure, a page whose URL held a one-time token is neither cached nor leaked as a referrer.
	if (event.url.searchParams.has('handoff_token')) noStore(event);
	if (!outcome.ok) return { success: false, error: outcome.code };
	state.handoffDone = true;
	locals.auth = outcome.auth;
	return { success: true, session: outcome.auth.session, user: outcome.auth.user };
}

function plainKey(options: object): string | undefined {
	let plain = true;
	const json = JSON.stringify(options, (_key, value) => {
		if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') plain = false;
		return value && typeof value === 'object' && !Array.isArray(value)
			? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
			: value;
	});
	return plain ? json : undefined;
}

function noStore(event: RequestEvent) {
	try {
		event.setHeaders({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
	} catch {
		// Already set by the route: its own value stands.
	}
}
