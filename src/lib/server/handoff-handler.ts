import type { RequestEvent } from '@sveltejs/kit';
import { batchedCookies, CookieBatch } from '../cookies/cookie-batch.js';
import { NO_STORE_HEADERS } from '../defaults.js';
import { AuthError } from '../errors.js';
import type { ServerAuthContext } from '../types.js';
import { resolveHandoffConfig, type HandoffConfig, type HandoffOptions } from './config/handoff-config.js';
import type { Handle } from './handle-type.js';
import { requestState, setHandoffSetup } from './http/request-state.js';
import { errorLocation, seeOther } from './http/responses.js';
import { redeemHandoff } from './handoff/redeem-handoff.js';
import { answerRefusal } from './handoff/refusal.js';
import { buildHandoffStart } from './handoff/start.js';
import { joinRuntime } from './runtime/registry.js';
import type { Runtime } from './runtime/runtime.js';
import { resolveSession } from './session/resolve-session.js';

/** Options of {@link createHandoffHandler}. */
export type HandoffHandlerOptions = HandoffOptions;

/**
 * Creates the hook that completes Smart Handoff SSO (seed 001). On a GET whose URL carries
 * `handoff_token`, it POSTs `{ handoff_token, state, client_id }` to the issuer's verify endpoint,
 * writes a new sealed session cookie and answers **303 See Other** to the same URL without
 * `handoff_token` and `state` (every other parameter kept), with `Referrer-Policy: no-referrer` and
 * `Cache-Control: no-store`. Any failure answers 303 to `errorRedirect(code)`, with no session
 * written and an existing session untouched. A HEAD or a prefetch never spends the token. It also
 * serves `startPath` (default `/auth/handoff`), which starts an app-initiated handoff bound to this
 * browser.
 *
 * It shares one runtime (session cookie, family store, secret) with the app's `createAuthHandle` for
 * the same `issuer` and `clientId`, whichever is mounted first. Without a `createAuthHandle`, it
 * resolves the session into `event.locals.auth` itself, refreshes it and applies logouts, so a handoff
 * session works on its own.
 *
 * ```ts
 * export const handle = sequence(
 *   createAuthHandle({ issuer, clientId }),
 *   createHandoffHandler({ issuer, clientId }) // failures land on /login?error=<code>
 * );
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_OPTION`) at construction for invalid options, or a shared option
 * that differs from another entry point's for the same issuer and client.
 */
export function createHandoffHandler(options: HandoffHandlerOptions): Handle {
	const fn = 'createHandoffHandler';
	const config = resolveHandoffConfig(fn, options);
	const ref = joinRuntime(fn, options, config.shared, { transactionOrigin: config.redirectUri ? new URL(config.redirectUri) : undefined });
	const setup = { config, runtime: ref };

	return ({ event, resolve }) => {
		const runtime = ref.get();
		setHandoffSetup(event.locals, setup);
		const url = event.url;
		// No query, no handoff: most requests pass without URLSearchParams being built for them.
		if (url.search !== '' && url.searchParams.has('handoff_token')) return arrive(event, resolve, config, runtime);
		if (event.request.method === 'GET') {
			if (url.pathname === config.startPath && config.appInitiatedEnabled) return start(event, config, runtime);
			if (url.pathname === config.callbackPath && url.searchParams.has('error')) return answerRefusal(event, config, runtime);
		}
		return passOn(event, resolve, runtime);
	};
}

/** Every request this hook does not answer: its only job then is the session, when no createAuthHandle resolves it. */
function passOn(event: RequestEvent, resolve: (event: RequestEvent) => Response | Promise<Response>, runtime: Runtime) {
	if (runtime.hasAuthHandle() || (event.locals as { auth?: ServerAuthContext }).auth !== undefined) return resolve(event);
	return resolveSession(runtime, event, resolve);
}

async function arrive(event: RequestEvent, resolve: (event: RequestEvent) => Response | Promise<Response>, config: HandoffConfig, runtime: Runtime) {
	const batch = new CookieBatch();
	const redemption = await redeemHandoff(event, config, runtime, batch);
	if (redemption.kind === 'deferred') {
		// Answer without touching the token: a real navigation follows and redeems it.
		return new Response(null, { status: event.request.method === 'HEAD' ? 200 : 503, headers: { ...NO_STORE_HEADERS } });
	}
	// Not a GET: the token is not this request's to redeem, but the page still gets locals.auth.
	if (redemption.kind === 'not-redeemed') return passOn(event, resolve, runtime);
	const { outcome, clean } = redemption;
	if (!outcome.ok) return seeOther(event, errorLocation(config.errorRedirect, runtime.appOrigin(event), outcome.code), batch);
	requestState(event.locals).handoffDone = true;
	(event.locals as { auth?: ServerAuthContext }).auth = outcome.auth;
	return seeOther(event, outcome.returnTo ?? clean, batch);
}

async function start(event: RequestEvent, config: HandoffConfig, runtime: Runtime): Promise<Response> {
	const batch = new CookieBatch();
	try {
		const target = await buildHandoffStart(event, batchedCookies(event.cookies, batch), config, runtime, event.url.searchParams.get('returnTo'));
		return seeOther(event, target.href, batch);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'server_error';
		runtime.report({ code, phase: 'handoff', message: 'starting an app-initiated handoff failed', cause: error });
		return seeOther(event, errorLocation(config.errorRedirect, runtime.appOrigin(event), code), null);
	}
}
