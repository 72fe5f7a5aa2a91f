import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { isOpenedTransaction, type TransactionState } from '../../cookies/transaction-store.js';
import { DEFAULTS } from '../../defaults.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import type { SignedInAuth } from '../../types.js';
import { oidcRedirectUri, type OidcConfig } from '../config/oidc-config.js';
import { retryOnceOnDpopNonce } from '../../crypto/dpop/oauth4webapi-dpop.js';
import type { DpopKey } from '../../crypto/dpop/dpop-key.js';
import { authorizationErrorCode, describe, isTransient, tokenEndpointErrorCode, userInfoErrorCode } from '../http/protocol-errors.js';
import { errorLocation, plain, seeOther } from '../http/responses.js';
import { safeReturnTo } from '../http/return-to.js';
import { scrubTracedUrl } from '../http/trace-scrub.js';
import type { StoredTokenSet } from '../refresh/token-vault.js';
import type { Runtime } from '../runtime/runtime.js';
import { establishSession } from '../session/establish-session.js';
import type { OidcClaims } from './claims.js';
import { oidcRequestOptions, requireDpopTokenType, sessionDpopKey } from './dpop-binding.js';
import { revokeDiscarded, tokensOfRefusedAnswer, type DiscardedTokens } from './revocation.js';

/** What a finished callback hands back to the hook (it sets `locals.auth` for the answer). */
export interface CallbackResult {
	response: Response;
	auth?: SignedInAuth;
}

// Parameters of an authorization response that must appear at most once (C4): which copy a proxy,
// a parser or oauth4webapi would pick differs, so duplicates are refused rather than resolved.
const SINGLE = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

// What the token endpoint handed over before the sign-in failed: revoked on the way out.
interface Obtained {
	as?: oauth.AuthorizationServer;
	tokens?: DiscardedTokens;
}

class Rejected extends Error {
	constructor(
		readonly code: AuthErrorCode,
		message: string,
		readonly status: 303 | 400 = 303,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

/**
 * Finishes a sign-in on a callback path: every check that needs no network runs first, and every
 * C-row failure is rejected before the token request (docs/SECURITY.md §1). The transaction cookie named
 * by `state` is deleted whatever happens (T5); every answer is 303 (or 400 for a malformed request)
 * with `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (C15).
 */
export async function finishSignIn(
	event: RequestEvent,
	config: OidcConfig,
	runtime: Runtime,
	current: { record: SessionRecord | null; present: readonly string[]; url: URL }
): Promise<CallbackResult> {
	const batch = new CookieBatch();
	const cookies = batchedCookies(event.cookies, batch);
	const method = event.request.method;
	if (method === 'HEAD') return { response: plain(event, 200, '') };
	if (method !== 'GET') return { response: plain(event, 405, 'Method Not Allowed', null, { allow: 'GET, HEAD' }) };

	const url = event.url;
	// The authorization code and state never reach an exported trace (H13).
	scrubTracedUrl(event, url.pathname);
	// Every transaction the callback names is spent, success or failure, malformed or not (T5, C9).
	// The deletion goes into the response; the reads below still see the request's cookies.
	for (const state of new Set(new URLSearchParams(url.search).getAll('state').slice(0, 4))) runtime.transactions.delete(cookies, state);
	const obtained: Obtained = {};
	try {
		return await complete(event, config, runtime, parseCallback(url), cookies, current, batch, obtained);
	} catch (error) {
		const rejected =
			error instanceof Rejected ? error : new Rejected(error instanceof AuthError ? error.code : 'server_error', describe(error), 303, { cause: error });
		runtime.report({
			code: rejected.code,
			phase: 'callback',
			message: rejected.message,
			...(rejected.cause === undefined ? {} : { cause: rejected.cause })
		});
		if (obtained.as && obtained.tokens) await revokeDiscarded(runtime, obtained.as, obtained.tokens, 'callback');
		if (rejected.status === 400) return { response: plain(event, 400, 'Bad Request', batch) };
		return { response: seeOther(event, errorLocation(config.errorRedirect, runtime.appOrigin(event), rejected.code), batch) };
	}
}

/** Structural checks of the raw query (C4, C11): size, percent-encoding, duplicates, code or error. */
function parseCallback(url: URL): URLSearchParams {
	const raw = url.search.slice(1);
	if (raw.length > DEFAULTS.oidc.maxCallbackQueryLength) throw new Rejected('invalid_request', 'the callback query is oversized', 400);
	for (const pair of raw.split('&')) {
		try {
			decodeURIComponent(pair.replace(/\+/g, ' '));
		} catch {
			throw new Rejected('invalid_request', 'the callback query has malformed percent-encoding', 400);
		}
	}
	const params = new URLSearchParams(raw);
	for (const name of SINGLE) {
		if (params.getAll(name).length > 1) throw new Rejected('invalid_request', `"${name}" is repeated in the callback`, 400);
	}
	// oauth4webapi accepts a response without `code` (docs/SECURITY.md C11); so does nothing here.
	if (!params.has('code') && !params.has('error')) throw new Rejected('invalid_request', 'the callback has neither code nor error', 400);
	return params;
}

async function complete(
	event: RequestEvent,
	config: OidcConfig,
	runtime: Runtime,
	params: URLSearchParams,
	cookies: ReturnType<typeof batchedCookies>,
	current: { record: SessionRecord | null; present: readonly string[]; url: URL },
	batch: CookieBatch,
	obtained: Obtained
): Promise<CallbackResult> {
	const state = params.get('state');
	if (state === null || state === '') throw new Rejected('invalid_state', 'the callback has no state');
	const redirectUri = oidcRedirectUri(config, event);
	const tx = await runtime.transactions.get(cookies, state, {
		issuer: runtime.config.issuer.href,
		clientId: runtime.config.clientId,
		redirectUri,
		kind: 'oidc'
	});
	// No transaction for this state in this browser: login CSRF, a replayed or bookmarked callback, an
	// expired or foreign transaction (C1, C2, C3, C8, C9). Rejected before any network call.
	if (!tx || !isOpenedTransaction(tx)) throw new Rejected('invalid_state', 'no transaction in this browser matches the callback state');
	if (new URL(tx.redirectUri).pathname !== event.url.pathname) {
		throw new Rejected('invalid_state', 'the callback arrived on another path than its redirect_uri');
	}
	// The transaction is a cookie, so two concurrent deliveries of one callback (a double click, a
	// replay racing the original) both hold it; only the first may reach the token endpoint (C9).
	if (!spendState(runtime, state)) throw new Rejected('invalid_state', 'this callback is already being completed');

	const as = await runtime.discovery.get();
	let validated: URLSearchParams;
	try {
		// state, RFC 9207 iss (missing while advertised, or different: C7), then an error response.
		validated = oauth.validateAuthResponse(as, runtime.client, params, tx.state);
	} catch (error) {
		if (error instanceof oauth.AuthorizationResponseError) {
			// A fixed code only: error_description is the server's (or an attacker's) text (C10).
			throw new Rejected(authorizationErrorCode(error.error), `the authorization server answered "${error.error.slice(0, 64)}"`, 303, { cause: error });
		}
		const code: AuthErrorCode = error instanceof oauth.OperationProcessingError && /"state"/.test(error.message) ? 'invalid_state' : 'invalid_response';
		throw new Rejected(code, describe(error), 303, { cause: error });
	}
	if (!validated.get('code')) throw new Rejected('invalid_request', 'the callback has no code', 400);

	const { tokens, claims, key } = await exchange(runtime, as, validated, tx, obtained);
	// A step-up (or a configured acr_values) asked for one of these levels: an ID token without one of
	// them is a server that ignored the request, never access (OIDC Core §3.1.2.1, RFC 9470).
	if (tx.acrValues !== undefined && (typeof claims.acr !== 'string' || !tx.acrValues.split(' ').includes(claims.acr))) {
		throw new Rejected('insufficient_user_authentication', 'the ID token\'s acr is not one of the requested acr_values');
	}
	const sessionExpiresAt = sessionExpiry(claims);
	let userClaims: OidcClaims = claims;
	if (config.fetchUserInfo && as.userinfo_endpoint) {
		try {
			// Its `sub` must be the ID token's (I10, OIDC Core §5.3.4). A DPoP-bound token is presented
			// with a proof (RFC 9449 §7), following one nonce challenge.
			const info = await retryOnceOnDpopNonce(async () => {
				const response = await oauth.userInfoRequest(as, runtime.client, tokens.accessToken, oidcRequestOptions(runtime, key));
				return oauth.processUserInfoResponse(as, runtime.client, claims.sub, response);
			});
			userClaims = { ...info, ...claims } as OidcClaims;
		} catch (error) {
			throw new Rejected(userInfoErrorCode(error), `userinfo: ${describe(error)}`, 303, { cause: error });
		}
	}
	let user;
	try {
		user = { ...runtime.userFromClaims(userClaims), id: claims.sub };
	} catch (error) {
		throw new Rejected('invalid_response', 'options.userFromClaims threw', 303, { cause: error });
	}

	let established;
	try {
		established = await establishSession(
			runtime,
			{
				source: 'oidc',
				user,
				tokens,
				idp: { iss: claims.iss, sub: claims.sub, ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}) },
				authn: {
					...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
					...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time * 1000 } : {})
				},
				...(sessionExpiresAt === undefined ? {} : { sessionExpiresAt })
			},
			{ url: current.url, present: current.present, current: current.record, cookieHeader: event.request.headers.get('cookie') ?? '' },
			batch
		);
	} catch (error) {
		if (error instanceof AuthError) throw new Rejected(error.code, error.message, 303, { cause: error.cause });
		throw error;
	}
	const returnTo = safeReturnTo(tx.returnTo, runtime.appOrigin(event), config.postLoginRedirect);
	return { response: seeOther(event, returnTo, batch), auth: runtime.toAuth(established.record, established.expiresAt) };
}

/** The code exchange (client_secret_basic or a public client with PKCE) and the ID token checks. */
async function exchange(
	runtime: Runtime,
	as: oauth.AuthorizationServer,
	validated: URLSearchParams,
	tx: Readonly<TransactionState>,
	obtained: Obtained
): Promise<{ tokens: StoredTokenSet; claims: OidcClaims; key: DpopKey | undefined }> {
	let result: oauth.TokenEndpointResponse;
	let copy: Response | undefined;
	let key: DpopKey | undefined;
	try {
		// The key whose thumbprint the authorization request carried as dpop_jkt.
		key = tx.dpop === undefined ? undefined : await sessionDpopKey(tx.dpop);
		// A server nonce challenge (RFC 9449 §8) is answered before the code is looked at: one retry.
		result = await retryOnceOnDpopNonce(async () => {
			const response = await oauth.authorizationCodeGrantRequest(
				as,
				runtime.client,
				runtime.clientAuth,
				validated,
				tx.redirectUri,
				tx.codeVerifier,
				oidcRequestOptions(runtime, key)
			);
			// A 200 whose ID token fails a check below still carries a live grant: kept to revoke it.
			copy = response.clone();
			// nonce, iss, aud (+ azp when several audiences), exp, iat, sub, alg, auth_time vs max_age (I1–I5).
			return oauth.processAuthorizationCodeResponse(as, runtime.client, response, {
				expectedNonce: tx.nonce,
				maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck,
				requireIdToken: true
			});
		});
	} catch (error) {
		let code = tokenEndpointErrorCode(error);
		if (copy && !isTransient(error)) Object.assign(obtained, { as, tokens: { ...(await tokensOfRefusedAnswer(copy)), dpop: tx.dpop } });
		if (code === 'network_error' || code === 'timeout') runtime.discovery.invalidate();
		// auth_time older than the max_age asked for (or missing): the server did not re-authenticate.
		if (tx.maxAge !== undefined && error instanceof oauth.OperationProcessingError && /auth_time|End-User authentication/.test(error.message)) {
			code = 'insufficient_user_authentication';
		}
		throw new Rejected(code, `token request: ${describe(error)}`, 303, { cause: error });
	}
	Object.assign(obtained, { as, tokens: { refreshToken: result.refresh_token, accessToken: result.access_token, dpop: tx.dpop } });
	if (key !== undefined) requireDpopTokenType(result.token_type);
	const claims = oauth.getValidatedIdTokenClaims(result) as OidcClaims | undefined;
	if (!claims) throw new Rejected('invalid_response', 'the token response has no ID token');
	const now = runtime.clock();
	// oauth4webapi accepts an `iat` in the future (I4); a token from the future is not from this exchange.
	if (typeof claims.iat !== 'number' || claims.iat * 1000 > now + DEFAULTS.oidc.maxIatSkewMs) {
		throw new Rejected('invalid_token', 'the ID token was issued in the future');
	}
	// oauth4webapi accepts further audiences when `azp` names this client; this app trusts no other
	// audience (I3, OIDC Core §3.1.3.7 step 3).
	if (Array.isArray(claims.aud) && (claims.aud.length !== 1 || claims.aud[0] !== runtime.config.clientId)) {
		throw new Rejected('invalid_token', 'the ID token names further audiences');
	}
	// oauth4webapi checks `azp` only when there are several audiences; OIDC Core §3.1.3.7 step 5 asks
	// for it whenever it is present.
	if (claims.azp !== undefined && claims.azp !== runtime.config.clientId) throw new Rejected('invalid_token', 'the ID token names another authorized party');
	if (claims.iss !== as.issuer) throw new Rejected('invalid_token', 'the ID token names another issuer');
	const issuedAt = Math.floor(now);
	const lifetime = typeof result.expires_in === 'number' ? result.expires_in * 1000 : DEFAULTS.oidc.defaultAccessTokenLifetimeMs;
	const tokens: StoredTokenSet = {
		accessToken: result.access_token,
		tokenType: key === undefined ? result.token_type : 'DPoP',
		expiresAt: issuedAt + lifetime,
		issuedAt,
		...(result.refresh_token ? { refreshToken: result.refresh_token } : {}),
		...(result.id_token ? { idToken: result.id_token } : {}),
		...(result.scope ? { scope: result.scope } : {}),
		// The key stays with the tokens bound to it: sealed in the cookie and the family (docs/SECURITY.md D2).
		...(tx.dpop === undefined ? {} : { dpop: tx.dpop })
	};
	return { tokens, claims, key };
}

/**
 * IPSIE SL1's `session_expiry` (seconds since the epoch): when the enterprise IdP's session ends.
 * establishSession caps the SDK's session there and refuses one already over.
 */
function sessionExpiry(claims: OidcClaims): number | undefined {
	const value = (claims as { session_expiry?: unknown }).session_expiry;
	if (value === undefined) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Rejected('invalid_token', "the ID token's session_expiry is not a time");
	return Math.floor(value * 1000);
}

// States whose callback this process has started to complete, per runtime: bounded, each kept for
// the longest a transaction lives.
const spent = new WeakMap<Runtime, Map<string, number>>();
const SPENT_LIMIT = DEFAULTS.oidc.spentStatesLimit;
const SPENT_TTL_MS = DEFAULTS.oidc.spentStateTtlMs;

function spendState(runtime: Runtime, state: string): boolean {
	let states = spent.get(runtime);
	if (!states) spent.set(runtime, (states = new Map()));
	const now = runtime.clock();
	const until = states.get(state);
	if (until !== undefined && until > now) return false;
	if (states.size >= SPENT_LIMIT) {
		for (const [key, expires] of states) {
			if (expires <= now || states.size >= SPENT_LIMIT) states.delete(key);
			else break;
		}
	}
	states.set(state, now + SPENT_TTL_MS);
	return true;
}
