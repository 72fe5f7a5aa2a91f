import type { AuthErrorCode } from '../../errors.js';
import { safeCause } from '../../safe-cause.js';

/** What `onError` is told about a failed sign-in, callback, handoff, sign-out, refresh or logout. Never a token. */
export interface AuthErrorInfo {
	readonly code: AuthErrorCode;
	/** Which part of the flow failed. A handoff's failures may come without it (seed 001's shape). */
	readonly phase?: 'sign-in' | 'callback' | 'handoff' | 'sign-out' | 'refresh' | 'backchannel-logout' | 'session-check';
	/** A description safe to log: no token, no `error_description` of the server. */
	readonly message: string;
	/** The underlying error (oauth4webapi, jose, a store), reduced to what is safe to log. */
	readonly cause?: unknown;
}

// What a developer most likely has to change, per code: printed after the failure in development only.
const HINTS: Partial<Record<AuthErrorCode, string>> = {
	verify_failed: 'the verify endpoint refused the call: check that this client may use handoffs',
	invalid_response: 'the server answered something unexpected: check issuer (exactly as its discovery document names it) and clientSecret',
	invalid_state: 'no transaction in this browser matches: a replayed or stale link, or the transaction cookie was not sent back (another origin or host than options.origin?)',
	invalid_token: 'the token was refused: expired, already used, or minted for another client',
	network_error: 'the authorization server could not be reached: check issuer and that the server runs',
	timeout: 'the authorization server did not answer within timeoutMs',
	store_unavailable: 'the family store failed: check the Redis or PostgreSQL connection',
	session_conflict: 'another user is signed in in this browser; sessionConflict decides',
	rate_limited: 'more handoffs than the verify budget allows: a link scanner or a loop?',
	invalid_client:
		"the server refused this app's client authentication: check clientId and clientSecret (and clientAuth), and that the client's token_endpoint_auth_method at the server matches how this app authenticates (client_secret_basic form-encodes - _ . ~ in the id and secret, RFC 6749 §2.3.1, and some servers do not decode it: clientAuth 'client_secret_post')",
	invalid_grant: 'the server refused the code or refresh token: already used, expired, revoked, or issued to another client or redirect URI',
	insufficient_user_authentication: "the ID token's acr or auth_time does not meet what requireAuth asked for: the server ignored acr_values / max_age"
};

/** Reports a failure to the app's loggers. Never throws, never rejects, never passes a token on. */
export type ErrorReporter = (info: AuthErrorInfo) => void;

/**
 * The one way the SDK tells the app about a failure. The cause is reduced to what is safe to log
 * (oauth4webapi errors carry the token endpoint's body, with live tokens, in their cause chain); a
 * logger that throws cannot turn a clean rejection into a 500, and one that rejects cannot become an
 * unhandled rejection. `loggers` is read on every report, so a logger added later (another entry point
 * joining the same runtime) hears everything from then on. With no logger, development warns.
 */
export function createErrorReporter(loggers: ReadonlySet<(info: AuthErrorInfo) => unknown>, development: boolean): ErrorReporter {
	return (info) => {
		const safe: AuthErrorInfo = info.cause === undefined ? info : { ...info, cause: safeCause(info.cause) };
		if (loggers.size === 0) {
			if (development) {
				const hint = HINTS[safe.code];
				console.warn(`[sveltekit-sso] ${safe.phase ?? 'request'} failed (${safe.code}): ${safe.message}${hint ? ` — ${hint}` : ''}`);
			}
			return;
		}
		for (const log of loggers) {
			try {
				const result: unknown = log(safe);
				if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(() => {});
			} catch {
				// logging must not break the answer
			}
		}
	};
}
