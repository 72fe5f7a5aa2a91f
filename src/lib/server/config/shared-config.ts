import { systemClock, type Clock } from '../../clock.js';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions } from '../../cookies/session-options.js';
import type { TransactionCookieOptions } from '../../cookies/transaction-store.js';
import { resolveSecrets, type SecretOption } from '../../crypto/secret.js';
import { DEFAULTS } from '../../defaults.js';
import { envDefault, isDevelopment, missingOptionHint, warnOnce } from '../../environment.js';
import { resolveClientAuth, type ClientAuthConfig, type ClientAuthOption } from './client-auth-config.js';
import { misuse } from '../../errors.js';
import { isRefreshTokenFamilyStore, type RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import type { AuthUser } from '../../types.js';
import type { AuthErrorInfo } from '../http/error-reporter.js';
import type { OidcClaims } from '../oidc/claims.js';
import {
	durationMs,
	functionOption,
	insecureRequestsOption,
	issuerOption,
	optionalString,
	originOption,
	requiredString
} from '../../option-checks.js';

/**
 * Options every entry point of one issuer and client shares: `createAuthHandle`,
 * `createHandoffHandler` and `verifyHandoffToken` for the same `issuer` and `clientId` are one system
 * with one session cookie, one family store and one secret. Give a shared option to any one of them
 * (the others inherit it) or give it the same value everywhere; two different values are a
 * configuration error at construction.
 */
export interface SharedOptions {
	/** The authorization server's issuer URL, exactly as its tokens and discovery document name it (required). */
	issuer: string;
	/** This app's client id at the issuer (required). */
	clientId: string;
	/**
	 * The client secret, sent as `clientAuth` says (default `client_secret_basic`) on token, PAR and
	 * revocation calls, and as HTTP Basic on the handoff verify call. Without it (and without
	 * `private_key_jwt`) the app is a public client whose code is protected by PKCE alone.
	 */
	clientSecret?: string;
	/**
	 * How the app authenticates to the token, pushed authorization request and revocation endpoints:
	 * `'client_secret_basic'` (the default with a `clientSecret`), `'client_secret_post'` (for servers
	 * that do not decode the RFC 6749 §2.3.1 form-encoding of Basic credentials containing `-_.~` and
	 * the like), `'none'` (a public client; the default without a secret), or
	 * `{ method: 'private_key_jwt', key, kid }` (RFC 7523: a private JWK or CryptoKey; no secret
	 * exists). Checked against `clientSecret` at startup. A server answering `invalid_client` /
	 * `unauthorized_client` surfaces as the error code `invalid_client`.
	 */
	clientAuth?: ClientAuthOption;
	/** Secret(s) for sealing cookies, at least 32 bytes; the first seals, all open. Default: `AUTH_SECRET`. */
	secret?: SecretOption;
	/** Session cookie options (seed 001's `sessionOptions`). */
	sessionOptions?: SessionOptions;
	/**
	 * The app's public origin (`https://app.example.com`). Redirect URIs, redirects and cookie attributes
	 * use it, never the request's `Host` or `X-Forwarded-*` headers. Default: adapter-node's `ORIGIN`;
	 * required in production by the routes that build a redirect URI.
	 */
	origin?: string;
	/** Injected clock (ms since the epoch), for tests. */
	clock?: Clock;
	/** The fetch used to call the authorization server. Default `globalThis.fetch`. */
	fetch?: typeof fetch;
	/** Timeout of each call to the authorization server, in milliseconds. Default 5 000. */
	timeoutMs?: number;
	/**
	 * **Development only.** Allows `http:` URLs for the issuer and the verify endpoint, such as the
	 * embedded dev identity provider on 127.0.0.1. Warns at startup; refused in production unless the
	 * host is loopback.
	 */
	allowInsecureRequests?: boolean;
	/** Options of the transaction cookies that carry state, nonce and PKCE verifier across a redirect. */
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
	/** Builds `locals.auth.user` from ID token claims (sign-in and refresh). Default: `sub` as `id`, plus standard profile claims. */
	userFromClaims?: (claims: OidcClaims) => AuthUser;
	/**
	 * Told about every failure, for logging. Never given a token. Every distinct `onError` given to the
	 * entry points of one issuer and client hears the failures of all of them. Default: a warning in
	 * development, nothing in production.
	 */
	onError?: (info: AuthErrorInfo) => void;
}

/** {@link SharedOptions}, validated, with defaults applied. Plain data and the app's own functions: builds nothing. */
export interface SharedConfig {
	readonly issuer: URL;
	/** The issuer exactly as configured: the `iss` the authorization server's tokens carry. */
	readonly issuerId: string;
	readonly clientId: string;
	readonly clientSecret: string | undefined;
	readonly clientAuth: ClientAuthConfig;
	readonly secrets: readonly string[];
	readonly sessionOptions: ResolvedSessionOptions;
	readonly origin: URL | undefined;
	readonly clock: Clock;
	readonly fetch: typeof fetch;
	readonly timeoutMs: number;
	readonly allowInsecureRequests: boolean;
	readonly transactionCookieOptions: TransactionCookieOptions | undefined;
	readonly familyStore: RefreshTokenFamilyStore | undefined;
	readonly refreshLeewayMs: number;
	readonly refreshGraceMs: number;
	readonly refreshLeaseMs: number;
	readonly refreshWaitMs: number;
	readonly sessionCheckIntervalMs: number;
	readonly userFromClaims: ((claims: OidcClaims) => AuthUser) | undefined;
	/** The absolute session lifetime: families and logout records live this long. */
	readonly sessionMaxAgeMs: number;
}

/** The option names of {@link SharedOptions} whose values must agree between entry points (all but `onError`). */
export const SHARED_OPTION_NAMES = [
	'issuer',
	'clientId',
	'clientSecret',
	'clientAuth',
	'secret',
	'sessionOptions',
	'origin',
	'clock',
	'fetch',
	'timeoutMs',
	'allowInsecureRequests',
	'transactionCookieOptions',
	'familyStore',
	'refreshLeewayMs',
	'refreshGraceMs',
	'refreshLeaseMs',
	'refreshWaitMs',
	'sessionCheckIntervalMs',
	'userFromClaims'
] as const satisfies readonly (keyof SharedOptions)[];

/**
 * Validates the shared options once, at construction. Builds nothing: the composition root
 * (`server/runtime/registry.ts`) turns the config into the session cookie, stores and clients.
 */
export function resolveSharedConfig(fn: string, options: SharedOptions): SharedConfig {
	const allowInsecureRequests = insecureRequestsOption(fn, options.allowInsecureRequests);
	const issuer = issuerOption(fn, options.issuer, allowInsecureRequests);
	const clientId = requiredString(fn, 'clientId', options.clientId);
	const clientSecret = optionalString(fn, 'clientSecret', options.clientSecret);
	const clientAuth = resolveClientAuth(fn, options.clientAuth, clientId, clientSecret);
	const clock = functionOption<Clock>(fn, 'clock', options.clock, systemClock);
	const appFetch = functionOption<typeof fetch>(fn, 'fetch', options.fetch, globalThis.fetch);
	// Called as a plain function, never as a method of an options object: workerd's fetch refuses a
	// foreign `this`, and oauth4webapi and the verify call would otherwise pass theirs.
	const fetchFn: typeof fetch = (input, init) => appFetch(input, init);
	const timeoutMs = durationMs(fn, 'timeoutMs', options.timeoutMs, DEFAULTS.server.timeoutMs);
	functionOption(fn, 'onError', options.onError);
	const userFromClaims = functionOption<(claims: OidcClaims) => AuthUser>(fn, 'userFromClaims', options.userFromClaims);

	const store = options.familyStore;
	if (store !== undefined && !isRefreshTokenFamilyStore(store)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.familyStore must be a RefreshTokenFamilyStore`);
	}
	const refreshLeewayMs = durationMs(fn, 'refreshLeewayMs', options.refreshLeewayMs, DEFAULTS.refresh.leewayMs, { allowZero: true });
	const refreshGraceMs = durationMs(fn, 'refreshGraceMs', options.refreshGraceMs, DEFAULTS.refresh.graceMs, { allowZero: true });
	const refreshLeaseMs = durationMs(fn, 'refreshLeaseMs', options.refreshLeaseMs, DEFAULTS.refresh.leaseMs);
	const refreshWaitMs = durationMs(fn, 'refreshWaitMs', options.refreshWaitMs, DEFAULTS.refresh.waitMs, { allowZero: true });
	if (refreshLeaseMs < 2 * timeoutMs) {
		// A lease that could run out while its holder still waits for the token endpoint (plus the
		// store round trips and clock skew between instances) would let another request redeem the
		// same refresh token (docs/SECURITY.md R1). Discovery happens before the lease is taken.
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.refreshLeaseMs (${refreshLeaseMs}) must be at least twice options.timeoutMs (${timeoutMs})`);
	}
	const sessionCheckIntervalMs = durationMs(fn, 'sessionCheckIntervalMs', options.sessionCheckIntervalMs, DEFAULTS.refresh.sessionCheckIntervalMs, {
		allowZero: true
	});

	const secrets = resolveSecrets(fn, options.secret);
	const sessionOptions = resolveSessionOptions(fn, options.sessionOptions);
	// adapter-node's ORIGIN is the same value, so it is the fallback.
	const origin = originOption(fn, options.origin ?? envDefault('origin'));
	if (options.transactionCookieOptions !== undefined && (typeof options.transactionCookieOptions !== 'object' || options.transactionCookieOptions === null)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.transactionCookieOptions must be an object`);
	}
	return {
		issuer,
		issuerId: options.issuer,
		clientId,
		clientSecret,
		clientAuth,
		secrets,
		sessionOptions,
		origin,
		clock,
		fetch: fetchFn,
		timeoutMs,
		allowInsecureRequests,
		transactionCookieOptions: options.transactionCookieOptions,
		familyStore: store,
		refreshLeewayMs,
		refreshGraceMs,
		refreshLeaseMs,
		refreshWaitMs,
		sessionCheckIntervalMs,
		userFromClaims,
		sessionMaxAgeMs: sessionOptions.maxAgeMs
	};
}

/**
 * The rule for routes that build a redirect URI: the configured origin, never the request's `Host`
 * (docs/SECURITY.md C14). Without one, production refuses to start and development warns once.
 */
export function requireOriginInProduction(fn: string, config: SharedConfig, what: string): void {
	if (config.origin) return;
	if (!isDevelopment()) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.origin is required in production (the app's public origin, such as https://app.example.com; ${missingOptionHint('origin')})`);
	}
	warnOnce(`${fn}:no-origin`, `${fn}: no options.origin; ${what} follows the request's host. Development only.`);
}
