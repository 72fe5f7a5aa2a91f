import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import { randomToken } from '../../crypto/base64url.js';
import { AuthError } from '../../errors.js';
import { safeReturnTo } from '../http/return-to.js';
import { oidcRedirectUri, type OidcConfig } from '../config/oidc-config.js';
import { describe } from '../http/protocol-errors.js';
import { errorLocation, plain, seeOther } from '../http/responses.js';
import type { Runtime } from '../runtime/runtime.js';

const PROMPTS = /^(?:none|login|consent|select_account|create)(?: (?:login|consent|select_account))*$/;
// login_hint is a user identifier (an e-mail, a login name): short and printable.
const LOGIN_HINT = /^[^\x00-\x1F\x7F]{1,256}$/;

/**
 * GET `loginPath?returnTo=/path`: saves a fresh transaction (state, nonce, S256 PKCE verifier,
 * returnTo, the provider it is for) in its own cookie, so parallel tabs each finish their own
 * sign-in, and answers 303 to the authorization endpoint. `returnTo` (or `redirectTo`, which
 * `requireAuth` sends) passes `safeReturnTo`; `prompt` and `login_hint` may come from the query.
 */
export async function signIn(event: RequestEvent, config: OidcConfig, runtime: Runtime): Promise<Response> {
	const method = event.request.method;
	if (method === 'HEAD') return plain(event, 200, '');
	if (method !== 'GET') return plain(event, 405, 'Method Not Allowed', null, { allow: 'GET, HEAD' });

	const batch = new CookieBatch();
	try {
		const params = event.url.searchParams;
		const origin = runtime.appOrigin(event);
		const returnTo = safeReturnTo(params.get('returnTo') ?? params.get('redirectTo'), origin, config.postLoginRedirect);
		const as = await runtime.discovery.get();
		if (!as.authorization_endpoint) throw new AuthError('invalid_response', 'the issuer has no authorization_endpoint');

		// Fresh per transaction (C6): never reused across tabs or attempts.
		const state = randomToken(32);
		const nonce = oauth.generateRandomNonce();
		const codeVerifier = oauth.generateRandomCodeVerifier();
		const redirectUri = oidcRedirectUri(config, event);
		await runtime.transactions.save(
			batchedCookies(event.cookies, batch),
			{
				state,
				nonce,
				codeVerifier,
				responseType: 'code',
				returnTo,
				scope: config.scope,
				...(config.maxAge === undefined ? {} : { maxAge: config.maxAge }),
				issuer: runtime.config.issuer.href,
				clientId: runtime.config.clientId,
				redirectUri,
				kind: 'oidc'
			},
			event.cookies
		);

		const url = new URL(as.authorization_endpoint);
		for (const [key, value] of Object.entries(config.authorizationParams(event))) url.searchParams.set(key, value);
		const prompt = params.get('prompt') ?? config.prompt;
		if (prompt !== undefined && prompt !== null && PROMPTS.test(prompt)) url.searchParams.set('prompt', prompt);
		const loginHint = params.get('login_hint');
		if (loginHint !== null && LOGIN_HINT.test(loginHint)) url.searchParams.set('login_hint', loginHint);
		if (config.maxAge !== undefined) url.searchParams.set('max_age', String(config.maxAge));
		url.searchParams.set('client_id', runtime.config.clientId);
		url.searchParams.set('redirect_uri', redirectUri);
		url.searchParams.set('response_type', 'code');
		url.searchParams.set('scope', config.scope);
		url.searchParams.set('state', state);
		url.searchParams.set('nonce', nonce);
		url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
		url.searchParams.set('code_challenge_method', 'S256');
		return seeOther(event, url.href, batch);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'server_error';
		runtime.report({ code, phase: 'sign-in', message: describe(error), cause: error });
		return seeOther(event, errorLocation(config.errorRedirect, runtime.appOrigin(event), code), null);
	}
}
