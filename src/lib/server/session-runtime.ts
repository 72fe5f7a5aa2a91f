import type { RequestEvent } from '@sveltejs/kit';
import { systemClock, type Clock } from '../clock.js';
import { createSealer } from '../cookies/seal.js';
import { createHandoffResultCookie, type HandoffResultCookie } from '../cookies/handoff-result-cookie.js';
import { createSessionCookie, type SessionCookie, type SessionRecord } from '../cookies/session-cookie.js';
import { resolveSessionOptions, type SessionOptions } from '../cookies/session-options.js';
import { resolveSecrets, type SecretOption } from '../crypto/secret.js';
import { misuse } from '../errors.js';
import type { SignedInAuth } from './auth-context.js';

/** Options every hook that reads or writes the session shares. */
export interface SessionRuntimeOptions {
	/** Secret(s) for sealing cookies, at least 32 bytes; the first seals, all open. Default: `AUTH_SECRET`. */
	secret?: SecretOption;
	/** Session cookie options (seed 001's `sessionOptions`). */
	sessionOptions?: SessionOptions;
	/**
	 * The app's public origin (`https://app.example.com`). Redirects and cookie attributes use it, never
	 * the request's `Host` or `X-Forwarded-*` headers. Default: the request URL's origin.
	 */
	origin?: string;
	/** Injected clock (ms since the epoch), for tests. */
	clock?: Clock;
}

/** What a hook built from {@link SessionRuntimeOptions} needs at request time. */
export interface SessionRuntime {
	readonly clock: Clock;
	readonly session: SessionCookie;
	/** The short-lived cookie that carries a handoff's outcome across its 303. */
	readonly handoffResult: HandoffResultCookie;
	readonly origin: URL | undefined;
	/** The app URL of this request: the configured origin with the request's path and query. */
	appUrl(event: Pick<RequestEvent, 'url'>): URL;
	/**
	 * The signed-in value of `locals.auth` for a record. `getAccessToken` replaces the default, which
	 * answers the stored access token while it is unexpired (`createAuthHandle` passes one that
	 * refreshes).
	 */
	toAuth(
		record: SessionRecord,
		expiresAt: number,
		carryOverState?: Record<string, unknown> | null,
		getAccessToken?: () => Promise<string | null>
	): SignedInAuth;
}

export function parseOrigin(fn: string, origin: string | undefined): URL | undefined {
	if (origin === undefined) return undefined;
	let url: URL;
	try {
		url = new URL(origin);
	} catch {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.origin must be an absolute URL such as https://app.example.com`);
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.origin must be an origin only (scheme, host, port), such as https://app.example.com`);
	}
	return url;
}

/** Validates the shared options once, derives the keys once. */
export function createSessionRuntime(fn: string, options: SessionRuntimeOptions): SessionRuntime {
	const clock = options.clock ?? systemClock;
	if (typeof clock !== 'function') throw misuse('ERR_INVALID_OPTION', `${fn}: options.clock must be a function returning milliseconds`);
	const secrets = resolveSecrets(fn, options.secret);
	const sessionOptions = resolveSessionOptions(fn, options.sessionOptions);
	const origin = parseOrigin(fn, options.origin);
	const session = createSessionCookie({
		options: sessionOptions,
		sealer: createSealer({ secrets, purpose: 'session', clock }),
		clock
	});
	const handoffResult = createHandoffResultCookie({
		sealer: createSealer({ secrets, purpose: 'handoff-result', clock }),
		clock
	});
	return {
		clock,
		session,
		handoffResult,
		origin,
		appUrl(event) {
			if (!origin) return event.url;
			// Set on a copy of the origin, never parsed relative to it: a request path of //evil.example/x
			// would otherwise resolve to another host.
			const url = new URL(origin);
			url.pathname = event.url.pathname;
			url.search = event.url.search;
			return url;
		},
		toAuth(record, expiresAt, carryOverState = null, getAccessToken) {
			const tokens = record.tokens;
			return Object.freeze({
				isAuthenticated: true as const,
				user: record.user,
				session: Object.freeze({ id: record.id, createdAt: record.createdAt, expiresAt, source: record.source }),
				carryOverState: carryOverState ? Object.freeze(carryOverState) : null,
				getAccessToken: getAccessToken ?? (async () => (tokens && tokens.expiresAt > clock() ? tokens.accessToken : null))
			});
		}
	};
}
