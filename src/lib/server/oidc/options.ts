import { safeCause } from '../../safe-cause.js';
import { toErrorRedirect } from '../error-redirect.js';
import * as oauth from 'oauth4webapi';
import { systemClock, type Clock } from '../../clock.js';
import { resolveSessionOptions } from '../../cookies/session-options.js';
import { TransactionStore, type TransactionCookieOptions } from '../../cookies/transaction-store.js';
import { resolveSecrets } from '../../crypto/secret.js';
import { misuse, type AuthErrorCode } from '../../errors.js';
import { isDevelopment, readEnv, warnOnce } from '../../runtime.js';
import { InMemoryRefreshTokenFamilyStore } from '../../stores/memory-refresh-token-family-store.js';
import { createRefreshTokenFamilyRotation, type RefreshTokenFamilyRotation } from '../../stores/refresh-token-family-rotation.js';
import type { RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import type { AuthUser } from '../../types.js';
import { DEFAULTS } from '../defaults.js';
import { createDiscovery, type Discovery, type ServerConnection } from '../discovery.js';
import { validateIssuer } from '../issuer.js';
import { createTokenVault, type TokenVault } from '../refresh/token-vault.js';
import { createSessionRuntime, parseOrigin, type SessionRuntime, type SessionRuntimeOptions } from '../session-runtime.js';
import type { AuthErrorInfo } from './errors.js';
import { defaultUserFromClaims, issuerKey } from './claims.js';

/** Claims of a validated ID token, merged with the userinfo response when `fetchUserInfo` is on. */
export type OidcClaims = oauth.IDToken & Record<string, unknown>;

/** Authorization request parameters added to every sign-in (or computed per request). */
export type AuthorizationParams = Record<string, string>;

/**
 * The OpenID Connect options of `createAuthHandle`. Everything has a default except `issuer` and
 * `clientId`; `origin` is required in production.
 */
export interface OidcOptions {
	/** The authorization server's issuer URL, exactly as its discovery document names it (required). */
	issuer: string;
	/** This app's client id at the issuer (required). */
	clientId: string;
	/**
	 * The client secret, sent as `client_secret_basic`. Without it the app is a public client whose
	 * code is protected by PKCE alone.
	 */
	clientSecret?: string;
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
	/** Builds `locals.auth.user` from the claims. Default: `sub` as `id`, plus standard profile claims. */
	userFromClaims?: (claims: OidcClaims) => AuthUser;
	/** Redirect to the server's `end_session_endpoint` on sign-out when it has one. Default true. */
	rpInitiatedLogout?: boolean;
	/** Revoke the refresh token (RFC 7009) on sign-out when the server has a revocation endpoint. Default true. */
	revokeOnSignOut?: boolean;
	/**
	 * Take over SvelteKit's CSRF origin check. SvelteKit refuses every form POST without a matching
	 * `Origin` before any hook runs, and an authorization server's back-channel logout is exactly
	 * that: a server-to-server form POST with no `Origin`. To receive back-channel logouts, set
	 * `csrf: { checkOrigin: false }` (SvelteKit 2) or `csrf: { trustedOrigins: ['*'] }` (SvelteKit 3) and this to `true`: the hook then refuses
	 * cross-site form submissions (`POST`/`PUT`/`PATCH`/`DELETE` with a form content type and a
	 * foreign or missing `Origin`) with 403 exactly as SvelteKit did, on every path except
	 * `backchannelLogoutPath` — whose logout token is verified by signature instead. Default false.
	 */
	checkOrigin?: boolean;
	/** Options of the transaction cookies that carry state, nonce and PKCE verifier to the callback. */
	transactionCookieOptions?: TransactionCookieOptions;
	/**
	 * Where refresh-token families live. Default: an `InMemoryRefreshTokenFamilyStore`, which is right
	 * for one instance. Several instances must share one store (`sveltekit-sso/redis`,
	 * `sveltekit-sso/postgres`): refresh single flight and back-channel logout go through it.
	 */
	familyStore?: RefreshTokenFamilyStore;
	/** Refresh this long before the access token expires; never more than half its lifetime. Default 30 000. */
	refreshLeewayMs?: number;
	/** A cookie one generation behind adopts the current tokens within this long of a rotation. Default 30 000. */
	refreshGraceMs?: number;
	/** How long a refresh in flight holds its lease on the family. Default 15 000. */
	refreshLeaseMs?: number;
	/** How long a request waits for a refresh another request (or instance) runs. Default 5 000. */
	refreshWaitMs?: number;
	/**
	 * How often (at most) a session is checked against the family store for revocation and
	 * back-channel logout, per instance. A logout reaches every instance within this. Default 30 000.
	 */
	sessionCheckIntervalMs?: number;
	/** Timeout of each call to the authorization server, in milliseconds. Default 5 000. */
	timeoutMs?: number;
	/** The fetch used to call the authorization server. Default `globalThis.fetch`. */
	fetch?: typeof fetch;
	/** Told about every failure, for logging. Never given a token. Default: a warning in development. */
	onError?: (info: AuthErrorInfo) => void;
	/**
	 * **Development only.** Allows an `http:` issuer such as the embedded dev identity provider on
	 * 127.0.0.1. Warns at startup; refused when `NODE_ENV` is `production` unless the issuer is loopback.
	 */
	allowInsecureRequests?: boolean;
}

/** Everything the OIDC routes and the refresh need, resolved once. */
export interface OidcRuntime {
	readonly fn: string;
	readonly issuer: URL;
	/** The issuer as the key of back-channel logout records (no trailing slash). */
	readonly issuerKey: string;
	readonly clientId: string;
	readonly client: oauth.Client;
	readonly clientAuth: oauth.ClientAuth;
	readonly publicClient: boolean;
	readonly connection: ServerConnection;
	readonly discovery: Discovery;
	readonly session: SessionRuntime;
	readonly origin: URL | undefined;
	readonly transactions: TransactionStore;
	readonly callbackPaths: readonly string[];
	readonly loginPath: string;
	readonly logoutPath: string;
	readonly backchannelLogoutPath: string;
	readonly scope: string;
	readonly authorizationParams: (event: { url: URL }) => AuthorizationParams;
	readonly prompt: string | undefined;
	readonly maxAge: number | undefined;
	readonly postLoginRedirect: string;
	readonly postLogoutRedirect: string;
	readonly errorRedirect: (code: AuthErrorCode) => string;
	readonly fetchUserInfo: boolean;
	readonly userFromClaims: (claims: OidcClaims) => AuthUser;
	readonly rpInitiatedLogout: boolean;
	readonly revokeOnSignOut: boolean;
	readonly checkOrigin: boolean;
	readonly store: RefreshTokenFamilyStore;
	readonly rotation: RefreshTokenFamilyRotation;
	readonly vault: TokenVault;
	readonly refreshLeewayMs: number;
	readonly refreshGraceMs: number;
	readonly refreshWaitMs: number;
	readonly sessionCheckIntervalMs: number;
	/** The absolute session lifetime: families and logout records live this long. */
	readonly sessionMaxAgeMs: number;
	readonly clock: Clock;
	readonly onError: (info: AuthErrorInfo) => void;
	/** The `redirect_uri`: the configured origin and the first callback path (never the request's Host). */
	redirectUri(event: { url: URL }): string;
	/** The app's origin for redirects and same-origin checks. */
	appOrigin(event: { url: URL }): string;
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
	'max_age'
]);

function pathOption(fn: string, name: string, value: unknown, fallback: string): string {
	const v = value ?? fallback;
	if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s?#]/.test(v)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be a path starting with '/' (no query, no fragment)`);
	}
	return v;
}

/** A same-origin destination: a path with an optional query, never protocol-relative. */
function destinationOption(fn: string, name: string, value: unknown, fallback: string): string {
	const v = value ?? fallback;
	if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be a same-origin path starting with '/'`);
	}
	return v;
}

function positiveMs(fn: string, name: string, value: unknown, fallback: number, { allowZero = false } = {}): number {
	const v = value ?? fallback;
	if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
	}
	return Math.floor(v);
}

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
export function resolveOidcOptions(fn: string, options: OidcOptions & SessionRuntimeOptions): OidcRuntime {
	if (!options || typeof options !== 'object') throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	const allowInsecure = options.allowInsecureRequests === true;
	if (options.allowInsecureRequests !== undefined && typeof options.allowInsecureRequests !== 'boolean') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.allowInsecureRequests must be a boolean`);
	}
	const issuer = validateIssuer(fn, options.issuer, allowInsecure);
	if (allowInsecure && !isDevelopment() && !isLoopback(issuer)) {
		// Plain http to a remote issuer in production exposes codes and tokens on the wire.
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.allowInsecureRequests is for a local development issuer only (got ${issuer.origin} in production)`);
	}
	if (typeof options.clientId !== 'string' || options.clientId === '') throw misuse('ERR_INVALID_OPTION', `${fn}: options.clientId is required`);
	if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clientSecret must be a non-empty string`);
	}

	// The redirect URI is never derived from Host or X-Forwarded-* (C14): production needs an origin.
	// adapter-node's ORIGIN is the same value, so it is the fallback.
	const originOption = options.origin ?? readEnv('ORIGIN');
	const origin = parseOrigin(fn, originOption);
	if (!origin) {
		if (!isDevelopment()) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.origin is required in production (the app's public origin, such as https://app.example.com; or set ORIGIN)`);
		}
		warnOnce(`${fn}:no-origin`, `${fn}: no options.origin; the redirect URI follows the request's host. Development only.`);
	}

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

	const postLoginRedirect = destinationOption(fn, 'postLoginRedirect', options.postLoginRedirect, DEFAULTS.oidc.postLoginRedirect);
	const postLogoutRedirect = destinationOption(fn, 'postLogoutRedirect', options.postLogoutRedirect, DEFAULTS.oidc.postLogoutRedirect);
	const errorRedirect = toErrorRedirect(options.errorRedirect ?? DEFAULTS.oidc.errorRedirect, (path) =>
		destinationOption(fn, 'errorRedirect', path, DEFAULTS.oidc.errorRedirect)
	);

	for (const name of ['fetchUserInfo', 'rpInitiatedLogout', 'revokeOnSignOut', 'checkOrigin'] as const) {
		if (options[name] !== undefined && typeof options[name] !== 'boolean') throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be a boolean`);
	}
	if (options.userFromClaims !== undefined && typeof options.userFromClaims !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.userFromClaims must be a function`);
	}
	if (options.onError !== undefined && typeof options.onError !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.onError must be a function`);
	const fetchFn = options.fetch ?? globalThis.fetch;
	if (typeof fetchFn !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.fetch must be a function`);
	const clock = options.clock ?? systemClock;
	if (typeof clock !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.clock must be a function returning milliseconds`);
	const timeoutMs = positiveMs(fn, 'timeoutMs', options.timeoutMs, DEFAULTS.oidc.timeoutMs);

	const store = options.familyStore ?? new InMemoryRefreshTokenFamilyStore({ clock });
	if (
		typeof store !== 'object' ||
		store === null ||
		typeof store.findFamily !== 'function' ||
		typeof store.registerFamily !== 'function' ||
		typeof store.updateFamily !== 'function'
	) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.familyStore must be a RefreshTokenFamilyStore`);
	}
	const refreshLeewayMs = positiveMs(fn, 'refreshLeewayMs', options.refreshLeewayMs, DEFAULTS.refresh.leewayMs, { allowZero: true });
	const refreshGraceMs = positiveMs(fn, 'refreshGraceMs', options.refreshGraceMs, DEFAULTS.refresh.graceMs, { allowZero: true });
	const refreshLeaseMs = positiveMs(fn, 'refreshLeaseMs', options.refreshLeaseMs, DEFAULTS.refresh.leaseMs);
	const refreshWaitMs = positiveMs(fn, 'refreshWaitMs', options.refreshWaitMs, DEFAULTS.refresh.waitMs, { allowZero: true });
	if (refreshLeaseMs < 2 * timeoutMs) {
		// A lease that could run out while its holder still waits for the token endpoint (plus the
		// store round trips and clock skew between instances) would let another request redeem the
		// same refresh token (R1). Discovery happens before the lease is taken.
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.refreshLeaseMs (${refreshLeaseMs}) must be at least twice options.timeoutMs (${timeoutMs})`);
	}
	const sessionCheckIntervalMs = positiveMs(fn, 'sessionCheckIntervalMs', options.sessionCheckIntervalMs, DEFAULTS.refresh.sessionCheckIntervalMs, {
		allowZero: true
	});

	const secrets = resolveSecrets(fn, options.secret);
	const session = createSessionRuntime(fn, { ...options, origin: origin?.origin, clock });
	const sessionMaxAgeMs = resolveSessionOptions(fn, options.sessionOptions).maxAgeMs;
	const connection: ServerConnection = { issuer, fetch: fetchFn, timeoutMs, allowInsecureRequests: allowInsecure, clock };
	const client: oauth.Client = { client_id: options.clientId };
	const development = isDevelopment();
	const onError =
		options.onError ??
		((info: AuthErrorInfo) => {
			if (development) console.warn(`[sveltekit-sso] ${info.phase} failed (${info.code}): ${info.message}`);
		});

	return {
		fn,
		issuer,
		issuerKey: issuerKey(issuer.href),
		clientId: options.clientId,
		client,
		clientAuth: options.clientSecret === undefined ? oauth.None() : oauth.ClientSecretBasic(options.clientSecret),
		publicClient: options.clientSecret === undefined,
		connection,
		discovery: createDiscovery(connection),
		session,
		origin,
		transactions: new TransactionStore({
			secret: secrets,
			cookieOptions: options.transactionCookieOptions,
			...(origin ? { origin } : {}),
			clock
		}),
		callbackPaths: Object.freeze([...callbackPaths]),
		loginPath,
		logoutPath,
		backchannelLogoutPath,
		scope,
		authorizationParams,
		prompt: options.prompt,
		maxAge: options.maxAge,
		postLoginRedirect,
		postLogoutRedirect,
		errorRedirect,
		fetchUserInfo: options.fetchUserInfo ?? false,
		userFromClaims: options.userFromClaims ?? defaultUserFromClaims,
		rpInitiatedLogout: options.rpInitiatedLogout ?? true,
		revokeOnSignOut: options.revokeOnSignOut ?? true,
		checkOrigin: options.checkOrigin ?? false,
		store,
		rotation: createRefreshTokenFamilyRotation({ store, clock, leaseMs: refreshLeaseMs, graceMs: refreshGraceMs }),
		vault: createTokenVault({ secrets, clock }),
		refreshLeewayMs,
		refreshGraceMs,
		refreshWaitMs,
		sessionCheckIntervalMs,
		sessionMaxAgeMs,
		clock,
		onError: (info) => {
			try {
				// The cause is reduced to what is safe to log: oauth4webapi errors carry the token
				// endpoint's body (live tokens) in their cause chain.
				const result: unknown = onError(info.cause === undefined ? info : { ...info, cause: safeCause(info.cause) });
				// An async logger that rejects must not become an unhandled rejection.
				if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(() => {});
			} catch {
				// A throwing logger must not turn a clean rejection into a 500.
			}
		},
		redirectUri(event) {
			return new URL(callbackPaths[0], origin ?? event.url.origin).href;
		},
		appOrigin(event) {
			return (origin ?? event.url).origin;
		}
	};
}

function isLoopback(url: URL): boolean {
	return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}
