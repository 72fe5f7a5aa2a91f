import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import { randomToken } from '../../crypto/base64url.js';
import { AuthError } from '../../errors.js';
import { safeReturnTo } from '../return-to.js';
import { describe } from './errors.js';
import type { OidcRuntime } from './options.js';
import { errorLocation, plain, seeOther } from './responses.js';

const PROMPTS = /^(?:none|login|consent|select_account|create)(?: (?:login|consent|select_account))*$/;
// login_hint is a user identifier (an e-mail, a login name): short and printable.
const LOGIN_HINT = /^[^\x00-\x1F\x7F]{1,256}$/;

/**
 * GET `loginPath?returnTo=/path`: saves a fresh transaction (state, nonce, S256 PKCE verifier,
 * returnTo, the provider it is for) in its own cookie, so parallel tabs each finish their own
 * sign-in, and answers 303 to the authorization endpoint. `returnTo` (or `redirectTo`, which
 * `requireAuth` sends) passes `safeReturnTo`; `prompt` and `login_hint` may come from the query.
 */
export async function signIn(event: RequestEvent, runtime: OidcRuntime): Promise<Response> {
	const method = event.request.method;
	if (method === 'HEAD') return plain(event, 200, '');
	if (method !== 'GET') return plain(event, 405, 'Method Not Allowed', null, { allow: 'GET, HEAD' });

	const batch = new CookieBatch();
	try {
		const params = event.url.searchParams;
		const origin = runtime.appOrigin(event);
		const returnTo = safeReturnTo(params.get('returnTo') ?? params.get('redirectTo'), origin, runtime.postLoginRedirect);
		const as = await runtime.discovery.get();
		if (!as.authorization_endpoint) throw new AuthError('invalid_response', 'the issuer has no authorization_endpoint');

		// Fresh per transaction (C6): never reused across tabs or attempts.
		const state = randomToken(32);
		const nonce = oauth.generateRandomNonce();
		const codeVerifier = oauth.generateRandomCodeVerifier();
		const redirectUri = runtime.redirectUri(event);
		await runtime.transactions.save(
			batchedCookies(event.cookies, batch),
			{
				state,
				nonce,
				codeVerifier,
				responseType: 'code',
				returnTo,
				scope: runtime.scope,
				...(runtime.maxAge === undefined ? {} : { maxAge: runtime.maxAge }),
				issuer: runtime.issuer.href,
				clientId: runtime.clientId,
				redirectUri,
				kind: 'oidc'
			},
			event.cookies
		);

		const url = new URL(as.authorization_endpoint);
		for (const [key, value] of Object.entries(runtime.authorizationParams(event))) url.searchParams.set(key, value);
		const prompt = params.get('prompt') ?? runtime.prompt;
		if (prompt !== undefined && prompt !== null && PROMPTS.test(prompt)) url.searchParams.set('prompt', prompt);
		const loginHint = params.get('login_hint');
		if (loginHint !== null && LOGIN_HINT.test(loginHint)) url.searchParams.set('login_hint', loginHint);
		if (runtime.maxAge !== undefined) url.searchParams.set('max_age', String(runtime.maxAge));
		url.searchParams.set('client_id', runtime.clientId);
		url.searchParams.set('redirect_uri', redirectUri);
		url.searchParams.set('response_type', 'code');
		url.searchParams.set('scope', runtime.scope);
		url.searchParams.set('state', state);
		url.searchParams.set('nonce', nonce);
		url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
		url.searchParams.set('code_challenge_method', 'S256');
		return seeOther(event, url.href, batch);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : 'server_error';
		runtime.onError({ code, phase: 'sign-in', message: describe(error), cause: error });
		return seeOther(event, errorLocation(runtime, event, code), null);
	}
}
