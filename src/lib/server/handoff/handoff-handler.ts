import type { RequestEvent } from '@sveltejs/kit';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import type { ServerAuthContext } from '../auth-context.js';
import { NO_STORE_HEADERS } from '../defaults.js';
import type { Handle } from '../handle-type.js';
import { requestState } from '../request-state.js';
import { scrubTracedUrl } from '../trace-scrub.js';
import { cleanSelfUrl, safeReturnTo } from '../return-to.js';
import { completeHandoff } from './complete-handoff.js';
import { HANDOFF_CALLBACK_PATH, handoffRedirectUri, resolveHandoffOptions, type HandoffOptions, type HandoffRuntime } from './handoff-options.js';
import { APP_INITIATED_PREFIX, buildHandoffStart } from './start-handoff.js';

/** Options of {@link createHandoffHandler}. */
export type HandoffHandlerOptions = HandoffOptions;

const HANDOFF_PARAMS = ['handoff_token', 'state'];

/** A 303 the hook answers itself, so it carries its cookies as Set-Cookie headers (TOOLCHAIN.md). */
export function seeOther(event: RequestEvent, location: string, batch: CookieBatch): Response {
	const headers = new Headers({ location, ...NO_STORE_HEADERS });
	batch.appendTo(headers, event.cookies);
	return new Response(null, { status: 303, headers });
}

function errorLocation(runtime: HandoffRuntime, code: AuthErrorCode, origin: string): string {
	let target: string;
	try {
		target = runtime.errorRedirect(code);
	} catch {
		target = '/login';
	}
	return safeReturnTo(target, origin, '/login');
}

/** Link scanners and speculative loads must not spend a one-time token (H5). */
function isPrefetch(request: Request): boolean {
	const purpose = request.headers.get('sec-purpose') ?? request.headers.get('purpose') ?? '';
	return /prefetch|prerender/i.test(purpose);
}

/**
 * Creates the hook that completes Smart Handoff SSO (seed 001). On a GET whose URL carries
 * `handoff_token`, it POSTs `{ handoff_token, state, client_id }` to the issuer's verify endpoint,
 * writes a new sealed session cookie and answers **303 See Other** to the same URL without
 * `handoff_token` and `state` (every other parameter kept), with `Referrer-Policy: no-referrer` and
 * `Cache-Control: no-store`. Any failure answers 303 to `errorRedirect(code)`, with no session
 * written and an existing session untouched. It also serves `startPath` (default `/auth/handoff`),
 * which starts an app-initiated handoff bound to this browser.
 *
 * ```ts
 * export const handle = sequence(
 *   createAuthHandle({ issuer, clientId }),
 *   createHandoffHandler({ issuer, clientId, errorRedirect: '/login?error=handoff_failed' })
 * );
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_OPTION`) at construction for invalid options.
 */
export function createHandoffHandler(options: HandoffHandlerOptions): Handle {
	const runtime = resolveHandoffOptions('createHandoffHandler', options);
	registerDefault(runtime);
	const callbackPath = runtime.redirectUri ? new URL(runtime.redirectUri).pathname : HANDOFF_CALLBACK_PATH;

	return async ({ event, resolve }) => {
		const state = requestState(event.locals);
		state.handoffRuntime = runtime;
		const url = event.url;
		if (url.pathname === runtime.startPath && event.request.method === 'GET' && runtime.appInitiatedEnabled) {
			return start(event, runtime);
		}
		if (!url.searchParams.has('handoff_token')) {
			if (event.request.method === 'GET' && url.pathname === callbackPath && url.searchParams.has('error')) return refused(event, runtime);
			return resolve(event);
		}
		const clean = cleanSelfUrl(runtime.session.appUrl(event), HANDOFF_PARAMS);
		scrubTracedUrl(event, clean);
		if (event.request.method === 'HEAD' || isPrefetch(event.request)) {
			// Answer without touching the token: a real navigation follows and redeems it.
			return new Response(null, { status: event.request.method === 'HEAD' ? 200 : 503, headers: { ...NO_STORE_HEADERS } });
		}
		if (event.request.method !== 'GET') return resolve(event);
		const batch = new CookieBatch();
		const outcome = await completeHandoff(event, runtime, batch);
		const origin = runtime.session.appUrl(event).origin;
		if (!outcome.ok) return seeOther(event, errorLocation(runtime, outcome.code, origin), batch);
		state.handoffDone = true;
		(event.locals as { auth?: ServerAuthContext }).auth = outcome.auth;
		return seeOther(event, outcome.returnTo ?? clean, batch);
	};
}

// The authorization server's refusal of a silent handoff, mapped onto the closed code set.
const REFUSALS: Record<string, AuthErrorCode> = {
	login_required: 'login_required',
	interaction_required: 'login_required',
	consent_required: 'login_required',
	access_denied: 'access_denied'
};

/**
 * An app-initiated handoff the authorization server refused (`?error=login_required&state=…`): the
 * transaction is spent and the user lands on the error page with a fixed code. The server's
 * `error_description` is never reflected.
 */
async function refused(event: RequestEvent, runtime: HandoffRuntime): Promise<Response> {
	const batch = new CookieBatch();
	const params = event.url.searchParams;
	const states = params.getAll('state');
	const errors = params.getAll('error');
	const appUrl = runtime.session.appUrl(event);
	let code: AuthErrorCode = 'invalid_state';
	if (states.length === 1 && errors.length === 1 && states[0].startsWith(APP_INITIATED_PREFIX)) {
		const cookies = batchedCookies(event.cookies, batch);
		const tx = await runtime.transactions
			.get(cookies, states[0], { issuer: runtime.issuer.href, clientId: runtime.clientId, redirectUri: handoffRedirectUri(runtime, appUrl), kind: 'handoff' })
			.catch(() => null);
		runtime.transactions.delete(cookies, states[0]);
		// RFC 9207: an answer naming another issuer is not this server's refusal.
		const iss = params.get('iss');
		const issuerMatches = iss === null || iss.replace(/\/$/, '') === runtime.issuerId.replace(/\/$/, '');
		if (tx && issuerMatches) code = Object.hasOwn(REFUSALS, errors[0]) ? REFUSALS[errors[0]] : 'verify_failed';
	}
	try {
		runtime.onError({ code, message: 'the authorization server refused an app-initiated handoff' });
	} catch {
		// logging must not break the answer
	}
	return seeOther(event, errorLocation(runtime, code, appUrl.origin), batch);
}

async function start(event: RequestEvent, runtime: HandoffRuntime): Promise<Response> {
	const batch = new CookieBatch();
	try {
		const target = await buildHandoffStart(event, batchedCookies(event.cookies, batch), runtime, event.url.searchParams.get('returnTo'));
		return seeOther(event, target.href, batch);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'server_error';
		try {
			runtime.onError({ code, message: 'starting an app-initiated handoff failed', cause: error });
		} catch {
			// logging must not break the answer
		}
		return seeOther(event, errorLocation(runtime, code, runtime.session.appUrl(event).origin), new CookieBatch());
	}
}

// The handler's configuration is the default of `verifyHandoffToken` in load functions (seed 001).
let defaultRuntime: HandoffRuntime | undefined;
function registerDefault(runtime: HandoffRuntime) {
	defaultRuntime ??= runtime;
}
export function defaultHandoffRuntime(): HandoffRuntime | undefined {
	return defaultRuntime;
}
