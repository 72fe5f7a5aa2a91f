import { safeCause } from '../../safe-cause.js';
import { toErrorRedirect } from '../error-redirect.js';
import { systemClock } from '../../clock.js';
import type { TransactionCookieOptions } from '../../cookies/transaction-store.js';
import { TransactionStore } from '../../cookies/transaction-store.js';
import { resolveSecrets } from '../../crypto/secret.js';
import { misuse, type AuthErrorCode } from '../../errors.js';
import { isDevelopment, warnOnce } from '../../runtime.js';
import { DEFAULTS } from '../defaults.js';
import { createDiscovery, type Discovery } from '../discovery.js';
import { validateIssuer } from '../issuer.js';
import { createSessionRuntime, type SessionRuntime, type SessionRuntimeOptions } from '../session-runtime.js';
import type { VerifyCallConfig } from './verify-call.js';

/** What `onError` is told about a failed handoff. It never carries the token. */
export interface HandoffErrorInfo {
	readonly code: AuthErrorCode;
	/** A description safe to log. */
	readonly message: string;
	/** The underlying error (network failure, response parse error); never the token. */
	readonly cause?: unknown;
}

/** Options of `createHandoffHandler` and `verifyHandoffToken` (seed 001's `HandoffVerifyOptions`, extended). */
export interface HandoffOptions extends SessionRuntimeOptions {
	/** The authorization server's issuer URL (required). */
	issuer: string;
	/** This app's OAuth client id (required). */
	clientId: string;
	/** Client secret: sent as HTTP Basic client authentication on the verify call. */
	clientSecret?: string;
	/** Verify endpoint: a path resolved against the issuer, or an absolute URL. Default `'/auth/external/handoff/verify'`. */
	verifyEndpoint?: string;
	/**
	 * Where a failed handoff goes: a same-origin path, or a function from the error code to one.
	 * Default `'/login'`, with `?error=<code>` appended when the string has no `error` parameter.
	 */
	errorRedirect?: string | ((error: AuthErrorCode) => string);
	/** Verify-call timeout in milliseconds. Default 5000. */
	timeoutMs?: number;
	/** The fetch used to call the authorization server. Default `globalThis.fetch`. */
	fetch?: typeof fetch;
	/** Told about every failed handoff, for logging. Never given the token. */
	onError?: (info: HandoffErrorInfo) => void;
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
	/** **Development only.** Allows an `http:` issuer; warns at startup. */
	allowInsecureRequests?: boolean;
	/** GET route that starts an app-initiated handoff (`?returnTo=/path`). Default `'/auth/handoff'`. */
	startPath?: string;
	/**
	 * Where the authorization server returns an app-initiated handoff (with `handoff_token`, or with
	 * `error` when it cannot hand off, e.g. `login_required`). Default `${origin}/auth/handoff/callback`.
	 */
	redirectUri?: string;
	/** Authorization endpoint for app-initiated handoffs. Default: from the issuer's discovery document. */
	authorizationEndpoint?: string;
	/** Options of the transaction cookies app-initiated handoffs are bound with. */
	transactionCookieOptions?: TransactionCookieOptions;
}

/** Where app-initiated handoffs return unless `redirectUri` says otherwise. */
export const HANDOFF_CALLBACK_PATH = '/auth/handoff/callback';

/** The redirect URI of app-initiated handoffs for a request's app URL. */
export function handoffRedirectUri(runtime: HandoffRuntime, appUrl: URL): string {
	return runtime.redirectUri ?? new URL(HANDOFF_CALLBACK_PATH, appUrl).href;
}

/** Everything a handoff needs at request time, resolved once. */
export interface HandoffRuntime {
	readonly fn: string;
	readonly issuer: URL;
	/** The issuer exactly as configured: the `iss` the authorization server's tokens carry. */
	readonly issuerId: string;
	readonly clientId: string;
	readonly session: SessionRuntime;
	readonly transactions: TransactionStore;
	readonly verify: Omit<VerifyCallConfig, 'appOrigin'>;
	readonly errorRedirect: (error: AuthErrorCode) => string;
	readonly onError: (info: HandoffErrorInfo) => void;
	readonly idpInitiated: 'accept' | 'reject';
	readonly sessionConflict: 'reject' | 'replace';
	readonly startPath: string;
	readonly redirectUri: string | undefined;
	readonly authorizationEndpoint: URL | undefined;
	readonly discovery: Discovery;
	readonly appInitiatedEnabled: boolean;
}

function pathOption(fn: string, name: string, value: unknown, fallback: string): string {
	const v = value ?? fallback;
	if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be a path starting with '/'`);
	}
	return v;
}

function oneOf<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
	if (value === undefined) return fallback;
	if (!allowed.includes(value as T)) throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}`);
	return value as T;
}

/** Validates the options once, at construction; every error names the option. */
export function resolveHandoffOptions(fn: string, options: HandoffOptions): HandoffRuntime {
	if (!options || typeof options !== 'object') throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	const allowInsecure = options.allowInsecureRequests === true;
	const issuer = validateIssuer(fn, options.issuer, allowInsecure);
	if (typeof options.clientId !== 'string' || options.clientId === '') throw misuse('ERR_INVALID_OPTION', `${fn}: options.clientId is required`);
	if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clientSecret must be a non-empty string`);
	}
	let verifyUrl: URL;
	const endpoint = options.verifyEndpoint ?? DEFAULTS.handoff.verifyEndpoint;
	try {
		verifyUrl = endpoint.startsWith('/') && !endpoint.startsWith('//') ? new URL(issuer.href.replace(/\/$/, '') + endpoint) : new URL(endpoint);
	} catch {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.verifyEndpoint must be a path or an absolute URL`);
	}
	if (verifyUrl.protocol !== 'https:' && !(verifyUrl.protocol === 'http:' && allowInsecure)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.verifyEndpoint must use https`);
	}
	const timeoutMs = options.timeoutMs ?? DEFAULTS.handoff.timeoutMs;
	if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw misuse('ERR_INVALID_OPTION', `${fn}: options.timeoutMs must be a positive number`);
	const fetchFn = options.fetch ?? globalThis.fetch;
	if (typeof fetchFn !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.fetch must be a function`);
	if (options.onError !== undefined && typeof options.onError !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.onError must be a function`);

	const errorRedirect = toErrorRedirect(options.errorRedirect ?? DEFAULTS.handoff.errorRedirect, (path) =>
		pathOption(fn, 'errorRedirect', path, DEFAULTS.handoff.errorRedirect)
	);

	const session = createSessionRuntime(fn, options);
	const clock = options.clock ?? systemClock;
	let redirectUri: string | undefined;
	if (options.redirectUri !== undefined) {
		try {
			redirectUri = new URL(options.redirectUri).href;
		} catch {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.redirectUri must be an absolute URL`);
		}
	} else if (session.origin) redirectUri = new URL(HANDOFF_CALLBACK_PATH, session.origin).href;
	let authorizationEndpoint: URL | undefined;
	if (options.authorizationEndpoint !== undefined) {
		try {
			authorizationEndpoint = new URL(options.authorizationEndpoint);
		} catch {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.authorizationEndpoint must be an absolute URL`);
		}
	}
	// The redirect URI is never derived from Host in production (C14): without an origin, app-initiated
	// handoffs are a development-only convenience.
	const appInitiatedEnabled = redirectUri !== undefined || isDevelopment();
	if (!appInitiatedEnabled) {
		warnOnce(`${fn}:origin`, `${fn}: no options.origin or options.redirectUri, so app-initiated handoffs (${options.startPath ?? '/auth/handoff'}) are off.`);
	}
	const secrets = resolveSecrets(fn, options.secret);
	return {
		fn,
		issuer,
		issuerId: options.issuer,
		clientId: options.clientId,
		session,
		transactions: new TransactionStore({
			secret: secrets,
			cookieOptions: options.transactionCookieOptions,
			// The origin decides Secure and the __Host- prefix that stops cookie tossing from a sibling
			// subdomain; without options.origin the redirect URI's origin is the app's.
			...(session.origin ? { origin: session.origin } : redirectUri ? { origin: new URL(redirectUri).origin } : {}),
			clock
		}),
		verify: { url: verifyUrl, clientId: options.clientId, clientSecret: options.clientSecret, fetch: fetchFn, timeoutMs },
		errorRedirect,
		onError: safeLogger(options.onError),
		idpInitiated: oneOf(fn, 'idpInitiated', options.idpInitiated, ['accept', 'reject'], 'accept'),
		sessionConflict: oneOf(fn, 'sessionConflict', options.sessionConflict, ['reject', 'replace'], 'reject'),
		startPath: pathOption(fn, 'startPath', options.startPath, '/auth/handoff'),
		redirectUri,
		authorizationEndpoint,
		discovery: createDiscovery({ issuer, fetch: fetchFn, timeoutMs, allowInsecureRequests: allowInsecure, clock }),
		appInitiatedEnabled
	};
}

/**
 * The app's logger as the handoff calls it: the cause reduced to what is safe to log, a throwing or
 * rejecting logger unable to turn a clean rejection into a 500 or an unhandled rejection.
 */
function safeLogger(onError: ((info: HandoffErrorInfo) => void) | undefined): (info: HandoffErrorInfo) => void {
	if (!onError) return () => {};
	return (info) => {
		try {
			const result: unknown = onError(info.cause === undefined ? info : { ...info, cause: safeCause(info.cause) });
			if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(() => {});
		} catch {
			// logging must not break the answer
		}
	};
}
