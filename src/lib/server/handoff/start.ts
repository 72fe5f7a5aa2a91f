import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { randomToken } from '../../crypto/base64url.js';
import { s256Challenge } from '../../crypto/pkce.js';
import { AuthError } from '../../errors.js';
import { handoffRedirectUri, type HandoffConfig } from '../config/handoff-config.js';
import { safeReturnTo } from '../http/return-to.js';
import type { Runtime } from '../runtime/runtime.js';

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
	config: HandoffConfig,
	runtime: Runtime,
	returnTo: string | null | undefined
): Promise<URL> {
	if (!config.appInitiatedEnabled) {
		throw new AuthError('invalid_request', 'app-initiated handoffs need options.origin or options.redirectUri in production');
	}
	const appUrl = runtime.appUrl(event);
	const redirectUri = handoffRedirectUri(config, appUrl);
	let endpoint = config.authorizationEndpoint;
	if (!endpoint) {
		const metadata = await runtime.discovery.get();
		if (!metadata.authorization_endpoint) throw new AuthError('invalid_response', 'the issuer has no authorization_endpoint');
		endpoint = new URL(metadata.authorization_endpoint);
	}
	const state = APP_INITIATED_PREFIX + randomToken(24);
	const codeVerifier = randomToken(32);
	await runtime.transactions.save(cookies, {
		state,
		kind: 'handoff',
		responseType: 'handoff',
		// With options.pkce the server binds the token to this verifier's challenge (docs/SECURITY.md X6);
		// the nonce is unused, but the TransactionState shape needs one.
		codeVerifier,
		nonce: randomToken(16),
		returnTo: safeReturnTo(returnTo, appUrl.origin),
		issuer: runtime.config.issuer.href,
		clientId: runtime.config.clientId,
		redirectUri
	});
	const url = new URL(endpoint);
	url.searchParams.set('client_id', runtime.config.clientId);
	url.searchParams.set('redirect_uri', redirectUri);
	url.searchParams.set('response_type', 'code');
	url.searchParams.set('scope', 'openid');
	url.searchParams.set('prompt', 'none');
	url.searchParams.set('handoff', 'true');
	url.searchParams.set('state', state);
	if (config.pkce) {
		url.searchParams.set('code_challenge', await s256Challenge(codeVerifier));
		url.searchParams.set('code_challenge_method', 'S256');
	}
	return url;
}
