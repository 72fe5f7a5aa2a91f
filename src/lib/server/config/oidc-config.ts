import { DEFAULTS } from '../../defaults.js';
import { misuse, type AuthErrorCode } from '../../errors.js';
import { booleanOption, destinationOption, errorRedirectOption, optionsObject, pathOption } from '../../option-checks.js';
import { requireOriginInProduction, resolveSharedConfig, type SharedConfig, type SharedOptions } from './shared-config.js';

/** Authorization request parameters added to every sign-in (or computed per request). */
export type AuthorizationParams = Record<string, string>;

/**
 * The OpenID Connect options of `createAuthHandle`. Everything has a default except `issuer` and
 * `clientId`; `origin` is required in production. The options it shares with the handoff entry points
 * (secret, session, stores, client) are described on {@link SharedOptions}.
 */
export interface OidcOptions extends SharedOptions {
	/**
	 * Paths the authorization server returns to. The first, joined to `origin`, is the `redirect_uri`.
	 * A request on one of them that carries `handoff_token` instead of `code` is left to the handoff
	 * handler or the route's load function. Default `['/auth/callback']`.
	 */
	callbackPaths?: string[];
	/** GET `loginPath?returnTo=/path` starts a sign-in. Default `'/auth/login'`. */
	loginPath?: string;
	/** POST (same origin only) signs out. A GET never does. Default `'/auth/logout'`. */
	logoutPath?: string;
	/** Where the authorization server POSTs back-channel logout tokens. Default `'/auth/backchannel-logout'`. */
	backchannelLogoutPath?: string;
	/** Scopes to request; must contain `openid`. Default `'openid profile email offline_access'`. */
	scope?: string;
	/** Extra authorization request parameters, or a function of the request returning them (e.g. `{ ui_locales: 'de' }`). */
	authorizationParams?: AuthorizationParams | ((event: { url: URL }) => AuthorizationParams);
	/** `prompt` of every authorization request; a `prompt` query parameter of the login request overrides it. */
	prompt?: string;
	/** `max_age` in seconds: the ID token's `auth_time` must be at most this old. */
	maxAge?: number;
	/**
	 * Push every authorization request to the server's `pushed_authorization_request_endpoint` (PAR,
	 * RFC 9126), authenticated as the client, and send the browser only `client_id` and the
	 * `request_uri`: the request cannot be read or altered in the browser or in logs on the way. On by
	 * itself when the server's metadata says `require_pushed_authorization_requests`; set it when
	 * only this client's registration requires it (FAPI 2.0 does). Default false.
	 */
	pushedAuthorizationRequests?: boolean;
	/**
	 * Sender-constrained tokens (DPoP, RFC 9449): each sign-in makes a new P-256 key with Web Crypto,
	 * sends its thumbprint as `dpop_jkt` in the (pushed) authorization request, and proves possession
	 * of it on the token, refresh, userinfo and revocation calls and on `locals.auth.fetch()`; the
	 * server binds the tokens to it (`token_type: DPoP`), so a stolen token is useless without the
	 * key. The key lives only sealed in the session cookie and the refresh-token family, never in the
	 * browser in a readable form. A server answering a Bearer token is refused. Required by FAPI 2.0
	 * (unless mTLS) and by a client registered with `dpop_bound_access_tokens`. Default false.
	 */
	dpop?: boolean;
	/** Where a sign-in without `returnTo` ends. Default `'/'`. */
	postLoginRedirect?: string;
	/**
	 * Where sign-out ends: registered at the server as `post_logout_redirect_uri` (joined to `origin`)
	 * when it has an `end_session_endpoint`. Default `'/'`.
	 */
	postLogoutRedirect?: string;
	/**
	 * Where a failed sign-in goes: a path (`?error=<code>` is appended unless it already names an
	 * `error`), or a function from the code to a path. Default `'/login'`.
	 */
	errorRedirect?: string | ((error: AuthErrorCode) => string);
	/** Call the userinfo endpoint after the code exchange and merge its claims (its `sub` must match). Default false. */
	fetchUserInfo?: boolean;
	/** Redirect to the server's `end_session_endpoint` on sign-out when it has one. Default true. */
	rpInitiatedLogout?: boolean;
	/** Revoke the refresh token (RFC 7009) on sign-out when the server has a revocation endpoint. Default true. */
	revokeOnSignOut?: boolean;
	/**
	 * Take over SvelteKit's CSRF origin check. SvelteKit refuses every form POST without a matching
	 * `Origin` before any hook runs, and an authorization server's back-channel logout is exactly
	 * that: a server-to-server form POST with no `Origin`. To receive back-channel logouts, set
	 * `csrf: { trustedOrigins: ['*'] }` (SvelteKit 3, and 2.70+, where `checkOrigin` is deprecated; older 2.x: `csrf: { checkOrigin: false }`) and this to `true`: the hook then refuses
	 * cross-site form submissions (`POST`/`PUT`/`PATCH`/`DELETE` with a form content type and a
	 * foreign or missing `Origin`) with 403 exactly as SvelteKit did, on every path except
	 * `backchannelLogoutPath` — whose logout token is verified by signature instead. Default false.
	 */
	checkOrigin?: boolean;
}

/** The routes of `createAuthHandle`, validated. Plain data: builds nothing. */
export interface OidcConfig {
	readonly shared: SharedConfig;
	readonly callbackPaths: readonly string[];
	readonly loginPath: string;
	readonly logoutPath: string;
	readonly backchannelLogoutPath: string;
	readonly scope: string;
	readonly authorizationParams: (event: { url: URL }) => AuthorizationParams;
	readonly prompt: string | undefined;
	readonly maxAge: number | undefined;
	readonly pushedAuthorizationRequests: boolean;
	readonly dpop: boolean;
	readonly postLoginRedirect: string;
	readonly postLogoutRedirect: string;
	readonly errorRedirect: (code: AuthErrorCode) => string;
	readonly fetchUserInfo: boolean;
	readonly rpInitiatedLogout: boolean;
	readonly revokeOnSignOut: boolean;
	readonly checkOrigin: boolean;
}

// Parameters the SDK sets itself: a configured value must not weaken or redirect the request.
const RESERVED_PARAMS = new Set([
	'client_id',
	'redirect_uri',
	'response_type',
	'response_mode',
	'state',
	'nonce',
	'code_challenge',
	'code_challenge_method',
	'scope',
	'request',
	'request_uri',
	'max_age',
	'dpop_jkt'
]);

function checkParams(fn: string, params: unknown): AuthorizationParams {
	if (typeof params !== 'object' || params === null || Array.isArray(params)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.authorizationParams must be an object of strings`);
	}
	const out: AuthorizationParams = {};
	for (const [key, value] of Object.entries(params)) {
		if (RESERVED_PARAMS.has(key)) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.authorizationParams.${key} is set by the SDK and cannot be overridden`);
		}
		if (typeof value !== 'string') throw misuse('ERR_INVALID_OPTION', `${fn}: options.authorizationParams.${key} must be a string`);
		out[key] = value;
	}
	return out;
}

/**
 * Validates the OIDC options once, at construction. Every error is a `TypeError` with code
 * `ERR_INVALID_OPTION` whose message names the option. No network call happens here: discovery runs
 * on the first sign-in, so an app starts while its authorization server is down.
 */
export function resolveOidcConfig(fn: string, options: OidcOptions): OidcConfig {
	optionsObject(fn, options);
	const shared = resolveSharedConfig(fn, options);
	requireOriginInProduction(fn, shared, 'the redirect URI');

	const callbackPaths = options.callbackPaths ?? [...DEFAULTS.oidc.callbackPaths];
	if (!Array.isArray(callbackPaths) || callbackPaths.length === 0) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.callbackPaths must be a non-empty list of paths starting with '/'`);
	}
	callbackPaths.forEach((p, i) => pathOption(fn, `callbackPaths[${i}]`, p, ''));
	const loginPath = pathOption(fn, 'loginPath', options.loginPath, DEFAULTS.oidc.loginPath);
	const logoutPath = pathOption(fn, 'logoutPath', options.logoutPath, DEFAULTS.oidc.logoutPath);
	const backchannelLogoutPath = pathOption(fn, 'backchannelLogoutPath', options.backchannelLogoutPath, DEFAULTS.oidc.backchannelLogoutPath);
	const owned = [...callbackPaths, loginPath, logoutPath, backchannelLogoutPath];
	if (new Set(owned).size !== owned.length) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.callbackPaths, loginPath, logoutPath and backchannelLogoutPath must all differ`);
	}

	const scope = options.scope ?? DEFAULTS.oidc.scope;
	if (typeof scope !== 'string' || !scope.split(' ').includes('openid') || /[^\x21\x23-\x5B\x5D-\x7E ]/.test(scope)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.scope must be space-separated scopes including 'openid'`);
	}
	let authorizationParams: (event: { url: URL }) => AuthorizationParams;
	const paramsOption = options.authorizationParams;
	if (paramsOption === undefined) authorizationParams = () => ({});
	else if (typeof paramsOption === 'function') authorizationParams = (event) => checkParams(fn, paramsOption(event));
	else {
		const fixed = Object.freeze(checkParams(fn, paramsOption));
		authorizationParams = () => fixed;
	}
	if (options.prompt !== undefined && (typeof options.prompt !== 'string' || !/^[a-z_ ]+$/.test(options.prompt))) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.prompt must be prompt values such as 'login' or 'select_account'`);
	}
	if (options.maxAge !== undefined && (!Number.isInteger(options.maxAge) || options.maxAge < 0)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.maxAge must be a non-negative integer number of seconds`);
	}

	return {
		shared,
		callbackPaths: Object.freeze([...callbackPaths]),
		loginPath,
		logoutPath,
		backchannelLogoutPath,
		scope,
		authorizationParams,
		prompt: options.prompt,
		maxAge: options.maxAge,
		pushedAuthorizationRequests: booleanOption(fn, 'pushedAuthorizationRequests', options.pushedAuthorizationRequests, false),
		dpop: booleanOption(fn, 'dpop', options.dpop, false),
		postLoginRedirect: destinationOption(fn, 'postLoginRedirect', options.postLoginRedirect, DEFAULTS.oidc.postLoginRedirect),
		postLogoutRedirect: destinationOption(fn, 'postLogoutRedirect', options.postLogoutRedirect, DEFAULTS.oidc.postLogoutRedirect),
		errorRedirect: errorRedirectOption(fn, options.errorRedirect, DEFAULTS.auth.errorRedirect),
		fetchUserInfo: booleanOption(fn, 'fetchUserInfo', options.fetchUserInfo, false),
		rpInitiatedLogout: booleanOption(fn, 'rpInitiatedLogout', options.rpInitiatedLogout, true),
		revokeOnSignOut: booleanOption(fn, 'revokeOnSignOut', options.revokeOnSignOut, true),
		checkOrigin: booleanOption(fn, 'checkOrigin', options.checkOrigin, false)
	};
}

/** The `redirect_uri`: the configured origin and the first callback path (never the request's Host, C14). */
export function oidcRedirectUri(config: OidcConfig, event: { url: URL }): string {
	return new URL(config.callbackPaths[0], config.shared.origin ?? event.url.origin).href;
}
