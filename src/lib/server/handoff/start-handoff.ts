import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { misuse } from '../../errors.js';
import { requestState } from '../request-state.js';

import { randomToken } from '../../crypto/base64url.js';
import { AuthError } from '../../errors.js';
import { safeReturnTo } from '../return-to.js';
import { handoffRedirectUri, type HandoffRuntime } from './handoff-options.js';

/**
 * States this app mints start with this, so a browser that holds no transaction for one knows the
 * pair was started in another browser and refuses it (H3 a). IdP-initiated states are the server's
 * own random values; one that happened to carry the prefix would merely be refused.
 */
export const APP_INITIATED_PREFIX = 'hoa_';

/**
 * Saves a handoff transaction for this browser and returns the authorization URL that asks the
 * authorization server for a silent handoff (`prompt=none`, `handoff=true`) bound to its state.
 */
export async function buildHandoffStart(
	event: Pick<RequestEvent, 'url'>,
	cookies: Cookies,
	runtime: HandoffRuntime,
	returnTo: string | null | undefined
): Promise<URL> {
	if (!runtime.appInitiatedEnabled) {
		throw new AuthError('invalid_request', 'app-initiated handoffs need options.origin or options.redirectUri in production');
	}
	const appUrl = runtime.session.appUrl(event);
	const redirectUri = handoffRedirectUri(runtime, appUrl);
	let endpoint = runtime.authorizationEndpoint;
	if (!endpoint) {
		const metadata = await runtime.discovery.get();
		if (!metadata.authorization_endpoint) throw new AuthError('invalid_response', 'the issuer has no authorization_endpoint');
		endpoint = new URL(metadata.authorization_endpoint);
	}
	const state = APP_INITIATED_PREFIX + randomToken(24);
	await runtime.transactions.save(cookies, {
		state,
		kind: 'handoff',
		responseType: 'handoff',
		// A handoff has no code to bind: these two are unused but the TransactionState shape needs them.
		codeVerifier: randomToken(32),
		nonce: randomToken(16),
		returnTo: safeReturnTo(returnTo, appUrl.origin),
		issuer: runtime.issuer.href,
		clientId: runtime.clientId,
		redirectUri
	});
	const url = new URL(endpoint);
	url.searchParams.set('client_id', runtime.clientId);
	url.searchParams.set('redirect_uri', redirectUri);
	url.searchParams.set('response_type', 'code');
	url.searchParams.set('scope', 'openid');
	url.searchParams.set('prompt', 'none');
	url.searchParams.set('handoff', 'true');
	url.searchParams.set('state', state);
	return url;
}

/**
 * Starts an app-initiated handoff from a load function or action: saves a transaction bound to this
 * browser and returns the authorization URL to send the user to. Uses the configuration of the app's
 * `createHandoffHandler`.
 *
 * ```ts
 * export const load = async (event) => redirect(303, await startHandoff(event, { returnTo: '/dashboard' }));
 * ```
 *
 * On SvelteKit 3, `redirect` to another origin needs its `external` option; the handler's own
 * `/auth/handoff` route needs nothing.
 *
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when no `createHandoffHandler` is installed.
 */
export async function startHandoff(event: RequestEvent, options: { returnTo?: string } = {}): Promise<string> {
	const runtime = requestState(event.locals).handoffRuntime;
	if (!runtime) {
		throw misuse('ERR_INVALID_ARGUMENT', 'startHandoff: createHandoffHandler(...) is not in `handle` in src/hooks.server.ts');
	}
	return (await buildHandoffStart(event, event.cookies, runtime, options.returnTo)).href;
}
