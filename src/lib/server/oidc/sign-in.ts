import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import { randomToken } from '../../crypto/base64url.js';
import { generateDpopKey } from '../../crypto/dpop/dpop-key.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import { safeReturnTo } from '../http/return-to.js';
import { oidcRedirectUri, type OidcConfig } from '../config/oidc-config.js';
import { requestOptions } from '../http/discovery.js';
import { describe, tokenEndpointErrorCode } from '../http/protocol-errors.js';
import { errorLocation, plain, seeOther } from '../http/responses.js';
import type { Runtime } from '../runtime/runtime.js';

const PROMPTS = /^(?:none|login|consent|select_account|create)(?: (?:login|consent|select_account))*$/;
// login_hint is a user identifier (an e-mail, a login name): short and printable.
const LOGIN_HINT = /^[^\x00-\x1F\x7F]{1,256}$/;

/**
 * GET `loginPath?returnTo=/path`: saves a fresh transaction (state, nonce, S256 PKCE verifier,
 * returnTo, the provider it is for) in its own cookie, so parallel tabs each finish their own
 * sign-in, and answers 303 to the authorization endpoint — with the request itself, or, with pushed
 * authorization requests (the option, or the server's `require_pushed_authorization_requests`),
 * with only `client_id` and the `request_uri` the server gave for it. `returnTo` (or `redirectTo`, which
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

		const extra = config.authorizationParams(event);
		const stepUp = stepUpRequest(params, extra.acr_values);
		const maxAge = earlier(config.maxAge, stepUp.maxAge);
		// Fresh per transaction (C6): never reused across tabs or attempts.
		const state = randomToken(32);
		const nonce = oauth.generateRandomNonce();
		const codeVerifier = oauth.generateRandomCodeVerifier();
		const redirectUri = oidcRedirectUri(config, event);
		// DPoP: a key per sign-in (and so per session), bound to the code by dpop_jkt (RFC 9449 §10).
		if (config.dpop) requireEs256Dpop(as);
		const dpop = config.dpop ? await generateDpopKey() : undefined;
		await runtime.transactions.save(
			batchedCookies(event.cookies, batch),
			{
				state,
				nonce,
				codeVerifier,
				responseType: 'code',
				returnTo,
				scope: config.scope,
				...(maxAge === undefined ? {} : { maxAge }),
				...(stepUp.acrValues === undefined ? {} : { acrValues: stepUp.acrValues }),
				issuer: runtime.config.issuer.href,
				clientId: runtime.config.clientId,
				redirectUri,
				kind: 'oidc',
				...(dpop === undefined ? {} : { dpop: dpop.jwk })
			},
			event.cookies
		);

		const request = new URLSearchParams(extra);
		const prompt = params.get('prompt') ?? config.prompt;
		if (prompt !== undefined && prompt !== null && PROMPTS.test(prompt)) request.set('prompt', prompt);
		const loginHint = params.get('login_hint');
		if (loginHint !== null && LOGIN_HINT.test(loginHint)) request.set('login_hint', loginHint);
		if (stepUp.acrValues !== undefined) request.set('acr_values', stepUp.acrValues);
		if (maxAge !== undefined) request.set('max_age', String(maxAge));
		request.set('client_id', runtime.config.clientId);
		request.set('redirect_uri', redirectUri);
		request.set('response_type', 'code');
		request.set('scope', config.scope);
		request.set('state', state);
		request.set('nonce', nonce);
		request.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
		request.set('code_challenge_method', 'S256');
		if (dpop !== undefined) request.set('dpop_jkt', dpop.key.thumbprint);

		const url = new URL(as.authorization_endpoint);
		if (config.pushedAuthorizationRequests || as.require_pushed_authorization_requests === true) {
			// RFC 9126: the request travels on the back channel, authenticated as the client; the
			// browser carries only client_id and the one-time request_uri (nothing to read or tamper with).
			url.searchParams.set('client_id', runtime.config.clientId);
			url.searchParams.set('request_uri', await pushAuthorizationRequest(runtime, as, request));
		} else {
			for (const [key, value] of request) url.searchParams.set(key, value);
		}
		return seeOther(event, url.href, batch);
	} catch (error) {
		const code = error instanceof AuthError ? error.code : error instanceof PushRefused ? error.code : 'server_error';
		runtime.report({ code, phase: 'sign-in', message: describe(error), cause: error });
		return seeOther(event, errorLocation(config.errorRedirect, runtime.appOrigin(event), code), null);
	}
}

/** The SDK's DPoP keys are ES256: a server that lists its DPoP algorithms must list that one. */
function requireEs256Dpop(as: oauth.AuthorizationServer): void {
	const algs = as.dpop_signing_alg_values_supported;
	if (Array.isArray(algs) && !algs.includes('ES256')) {
		throw new AuthError('invalid_response', 'options.dpop is on, but the server does not accept ES256 DPoP proofs (dpop_signing_alg_values_supported)');
	}
}

// acr_values (OIDC Core §3.1.2.1): space-separated printable tokens, a few of them.
const ACR_VALUES = /^[\x21-\x7E]{1,256}(?: [\x21-\x7E]{1,256}){0,7}$/;
const MAX_AGE = /^\d{1,9}$/;

/**
 * What the login request asks beyond the configured defaults: `acr_values` and `max_age` from the
 * query (`requireAuth` sends them for a step-up). An `acr_values` of `authorizationParams` is the
 * app's own rule and wins: a crafted login link cannot swap it for a weaker level. Whatever is asked is
 * recorded in the transaction and checked on the returned ID token, so an ignored demand fails the
 * sign-in; `max_age` can only be tightened. Malformed values are dropped, as `prompt` is.
 */
function stepUpRequest(params: URLSearchParams, configuredAcr: string | undefined): { acrValues?: string; maxAge?: number } {
	const acr = configuredAcr ?? params.get('acr_values');
	const age = params.get('max_age');
	return {
		...(acr !== undefined && acr !== null && ACR_VALUES.test(acr) ? { acrValues: acr } : {}),
		...(age !== null && MAX_AGE.test(age) ? { maxAge: Number(age) } : {})
	};
}

function earlier(a: number | undefined, b: number | undefined): number | undefined {
	if (a === undefined) return b;
	if (b === undefined) return a;
	return Math.min(a, b);
}

class PushRefused extends Error {
	constructor(
		readonly code: AuthErrorCode,
		message: string,
		options: { cause: unknown }
	) {
		super(message, options);
	}
}

/** Pushes the authorization request (RFC 9126 §2) and answers its `request_uri`. */
async function pushAuthorizationRequest(runtime: Runtime, as: oauth.AuthorizationServer, request: URLSearchParams): Promise<string> {
	if (!as.pushed_authorization_request_endpoint) {
		throw new AuthError('invalid_response', 'pushed authorization requests are on, but the server has no pushed_authorization_request_endpoint');
	}
	try {
		const response = await oauth.pushedAuthorizationRequest(as, runtime.client, runtime.clientAuth, request, requestOptions(runtime.connection));
		const result = await oauth.processPushedAuthorizationResponse(as, runtime.client, response);
		return result.request_uri;
	} catch (error) {
		const code = tokenEndpointErrorCode(error);
		if (code === 'network_error' || code === 'timeout') runtime.discovery.invalidate();
		throw new PushRefused(code, `pushed authorization request: ${describe(error)}`, { cause: error });
	}
}
