import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../cookies/cookie-batch.js';
import { misuse, type AuthErrorCode } from '../errors.js';
import type { AuthUser, ServerAuthContext, SessionInfo } from '../types.js';
import { resolveHandoffConfig, type HandoffOptions } from './config/handoff-config.js';
import { handoffSetupOf, requestState, type HandoffSetup } from './http/request-state.js';
import { redeemHandoff } from './handoff/redeem-handoff.js';
import { joinRuntime } from './runtime/registry.js';

/** The result of {@link verifyHandoffToken}: a value, never an exception for bad input. */
export type VerifyHandoffResult =
	| { readonly success: true; readonly session: SessionInfo; readonly user: AuthUser }
	| { readonly success: false; readonly error: AuthErrorCode };

// Options objects the app passes on every call resolve once, not once per request (no key derivation
// on the request path).
const resolved = new WeakMap<object, HandoffSetup>();
const byValue = new Map<string, HandoffSetup>();
const BY_VALUE_LIMIT = 32;

function setupFor(event: RequestEvent, options: HandoffOptions | undefined): HandoffSetup {
	if (options === undefined) {
		const setup = handoffSetupOf(event.locals);
		if (!setup) {
			throw misuse(
				'ERR_INVALID_ARGUMENT',
				'verifyHandoffToken: pass options ({ issuer, clientId }) or add createHandoffHandler(...) to `handle` in src/hooks.server.ts'
			);
		}
		return setup;
	}
	let setup = resolved.get(options);
	if (setup) return setup;
	// The seed passes a fresh literal on each call: options of plain data (nested objects included)
	// are keyed by value. Options holding functions (fetch, onError, clock) must be a module-level
	// constant to be resolved once; otherwise every call resolves them anew.
	const key = plainKey(options);
	setup = key ? byValue.get(key) : undefined;
	if (!setup) {
		const config = resolveHandoffConfig('verifyHandoffToken', options);
		setup = { config, runtime: joinRuntime('verifyHandoffToken', options, config.shared) };
	}
	resolved.set(options, setup);
	if (key && byValue.size < BY_VALUE_LIMIT) byValue.set(key, setup);
	return setup;
}

/**
 * Verifies the handoff in the request URL from a load function (seed 001's manual form): the same
 * guards and checks as `createHandoffHandler` — a HEAD or a prefetch never spends the token, the token
 * never reaches a trace — then the session cookie is written through `event.cookies`. When the
 * handler has already redeemed the token for this browser (it answered the 303 that led here), the
 * result is the session it created, so the hook and the route never fight over the one-time token.
 *
 * ```ts
 * export const load = async (event) => {
 *   const result = await verifyHandoffToken(event, { issuer, clientId });
 *   if (!result.success) redirect(302, '/login?error=' + result.error);
 *   redirect(302, '/dashboard');
 * };
 * ```
 *
 * @param options Default: the configuration of the app's `createHandoffHandler`. With options, the
 * call shares the runtime (session, store, secret) of the hooks for the same issuer and client.
 * @throws TypeError (code `ERR_INVALID_OPTION` / `ERR_INVALID_ARGUMENT`) for invalid options, or none
 * and no `createHandoffHandler` — never for bad input.
 */
export async function verifyHandoffToken(event: RequestEvent, options?: HandoffOptions): Promise<VerifyHandoffResult> {
	const { config, runtime: ref } = setupFor(event, options);
	const runtime = ref.get();
	const state = requestState(event.locals);
	const locals = event.locals as { auth?: ServerAuthContext };
	const hasToken = event.url.searchParams.has('handoff_token');
	// The hook redeemed the token and answered the 303 that led here: the session it made is the result.
	// A token in this URL is a new handoff and is verified like any other.
	if (state.handoffDone && locals.auth?.isAuthenticated && !hasToken) {
		return { success: true, session: locals.auth.session, user: locals.auth.user };
	}
	// Success or failure, a page whose URL held a one-time token is neither cached nor leaked as a referrer.
	if (hasToken) noStore(event);
	const batch = new CookieBatch();
	const redemption = hasToken ? await redeemHandoff(event, config, runtime, batch) : null;
	batch.applyTo(event.cookies);
	if (redemption === null) return { success: false, error: 'missing_token' };
	// A HEAD, a prefetch or another method: the token stays unspent for the real navigation.
	if (redemption.kind !== 'redeemed') return { success: false, error: 'invalid_request' };
	const { outcome } = redemption;
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
