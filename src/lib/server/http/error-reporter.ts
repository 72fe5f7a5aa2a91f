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
			if (development) console.warn(`[sveltekit-sso] ${safe.phase ?? 'request'} failed (${safe.code}): ${safe.message}`);
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
