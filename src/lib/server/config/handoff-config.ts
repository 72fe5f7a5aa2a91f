import { DEFAULTS } from '../../defaults.js';
import { isDevelopment, warnOnce } from '../../environment.js';
import { misuse, type AuthErrorCode } from '../../errors.js';
import type { AuthErrorInfo } from '../http/error-reporter.js';
import { absoluteUrl, booleanOption, errorRedirectOption, oneOf, optionsObject, pathOption, serverUrlOption } from '../../option-checks.js';
import { resolveSharedConfig, type SharedConfig, type SharedOptions } from './shared-config.js';

/** What `onError` is told about a failed handoff (the same shape as every other failure). It never carries the token. */
export type HandoffErrorInfo = AuthErrorInfo;

/**
 * Options of `createHandoffHandler` and `verifyHandoffToken` (seed 001's `HandoffVerifyOptions`,
 * extended). The options they share with `createAuthHandle` (secret, session, stores, client) are
 * described on {@link SharedOptions}.
 */
export interface HandoffOptions extends SharedOptions {
	/** Verify endpoint: a path resolved against the issuer, or an absolute URL. Default `'/auth/external/handoff/verify'`. */
	verifyEndpoint?: string;
	/**
	 * Where a failed handoff goes: a same-origin path, or a function from the error code to one.
	 * Default `'/login'`, with `?error=<code>` appended when the string has no `error` parameter.
	 */
	errorRedirect?: string | ((error: AuthErrorCode) => string);
	/**
	 * Handoffs the authorization server starts on its own (seed 001's "Open App"), which no
	 * transaction in this browser vouches for. `'accept'` (default) signs them in, but never replaces
	 * another signed-in user's session; `'reject'` refuses them before any network call, which closes
	 * handoff login CSRF completely.
	 */
	idpInitiated?: 'accept' | 'reject';
	/**
	 * A handoff for user B arriving in a browser signed in as user A: `'reject'` (default) answers
	 * `session_conflict` and keeps A's session; `'replace'` signs B in.
	 */
	sessionConflict?: 'reject' | 'replace';
	/** GET route that starts an app-initiated handoff (`?returnTo=/path`). Default `'/auth/handoff'`. */
	startPath?: string;
	/**
	 * Where the authorization server returns an app-initiated handoff (with `handoff_token`, or with
	 * `error` when it cannot hand off, e.g. `login_required`). Default `${origin}/auth/handoff/callback`.
	 */
	redirectUri?: string;
	/** Authorization endpoint for app-initiated handoffs. Default: from the issuer's discovery document. */
	authorizationEndpoint?: string;
	/**
	 * Bind app-initiated handoff tokens to this browser at the authorization server too (RFC 7636
	 * S256): the start sends a `code_challenge`, the verify call the `code_verifier` only this
	 * browser's transaction holds, so a leaked handoff URL cannot be redeemed at the verify endpoint
	 * by anyone else (a public client's token is otherwise a bearer credential for its lifetime). Needs
	 * a server that supports it (`sveltekit-sso/provider` and the dev identity provider do); seed 001's
	 * wire format has neither field, so the default is `false`.
	 */
	pkce?: boolean;
	/**
	 * The wire contract of the verify call. `'seed-2025'` (default): seed 001's, a Bearer grant with
	 * `session` and `user` always in the answer. `'authrim-2026'`: Authrim's current endpoint
	 * (docs/CONTRACTS.md): every call carries a DPoP proof (RFC 9449) from a new ES256 key per
	 * handoff, asks for `?include=session,user`, follows one `DPoP-Nonce` challenge, and the answer
	 * must be a `token_type: "DPoP"` grant. The key is kept sealed in the session, with the token it
	 * is bound to. `sveltekit-sso/provider` and the dev identity provider serve both.
	 */
	verifyProtocol?: VerifyProtocol;
}

/** The wire contracts of the handoff verify call (docs/CONTRACTS.md). */
export type VerifyProtocol = 'seed-2025' | 'authrim-2026';

/** The handoff routes, validated. Plain data: builds nothing. */
export interface HandoffConfig {
	readonly shared: SharedConfig;
	readonly verifyUrl: URL;
	readonly errorRedirect: (error: AuthErrorCode) => string;
	readonly idpInitiated: 'accept' | 'reject';
	readonly sessionConflict: 'reject' | 'replace';
	readonly startPath: string;
	/** The configured redirect URI of app-initiated handoffs, or the default one on the configured origin. */
	readonly redirectUri: string | undefined;
	/** The path app-initiated handoffs return to (where an IdP refusal is answered). */
	readonly callbackPath: string;
	readonly authorizationEndpoint: URL | undefined;
	readonly pkce: boolean;
	readonly verifyProtocol: VerifyProtocol;
	/** Off in production without an origin or redirect URI: the redirect URI is never taken from Host (C14). */
	readonly appInitiatedEnabled: boolean;
}

/** The redirect URI of app-initiated handoffs for a request's app URL. */
export function handoffRedirectUri(config: HandoffConfig, appUrl: URL): string {
	return config.redirectUri ?? new URL(DEFAULTS.handoff.callbackPath, appUrl).href;
}

/** Validates the handoff options once, at construction; every error names the option. */
export function resolveHandoffConfig(fn: string, options: HandoffOptions): HandoffConfig {
	optionsObject(fn, options);
	const shared = resolveSharedConfig(fn, options);
	const endpoint = options.verifyEndpoint ?? DEFAULTS.handoff.verifyEndpoint;
	if (typeof endpoint !== 'string') throw misuse('ERR_INVALID_OPTION', `${fn}: options.verifyEndpoint must be a path or an absolute URL`);
	let verifyUrl: URL;
	try {
		verifyUrl = endpoint.startsWith('/') && !endpoint.startsWith('//') ? new URL(shared.issuer.href.replace(/\/$/, '') + endpoint) : new URL(endpoint);
	} catch {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.verifyEndpoint must be a path or an absolute URL`);
	}
	// The same rule as the issuer's: the client secret and the tokens travel on this call.
	serverUrlOption(fn, 'verifyEndpoint', verifyUrl, shared.allowInsecureRequests);

	const configured = absoluteUrl(fn, 'redirectUri', options.redirectUri);
	const redirectUri = configured?.href ?? (shared.origin ? new URL(DEFAULTS.handoff.callbackPath, shared.origin).href : undefined);
	const startPath = pathOption(fn, 'startPath', options.startPath, DEFAULTS.handoff.startPath);
	// The redirect URI is never derived from Host in production (C14): without an origin, app-initiated
	// handoffs are a development-only convenience.
	const appInitiatedEnabled = redirectUri !== undefined || isDevelopment();
	if (!appInitiatedEnabled) {
		warnOnce(`${fn}:origin`, `${fn}: no options.origin or options.redirectUri, so app-initiated handoffs (${startPath}) are off.`);
	}
	return {
		shared,
		verifyUrl,
		errorRedirect: errorRedirectOption(fn, options.errorRedirect, DEFAULTS.auth.errorRedirect),
		idpInitiated: oneOf(fn, 'idpInitiated', options.idpInitiated, ['accept', 'reject'], 'accept'),
		sessionConflict: oneOf(fn, 'sessionConflict', options.sessionConflict, ['reject', 'replace'], 'reject'),
		startPath,
		redirectUri,
		callbackPath: configured ? configured.pathname : DEFAULTS.handoff.callbackPath,
		authorizationEndpoint: absoluteUrl(fn, 'authorizationEndpoint', options.authorizationEndpoint),
		pkce: booleanOption(fn, 'pkce', options.pkce, false),
		verifyProtocol: oneOf(fn, 'verifyProtocol', options.verifyProtocol, ['seed-2025', 'authrim-2026'], 'seed-2025'),
		appInitiatedEnabled
	};
}
