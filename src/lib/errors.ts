/**
 * The codes a failed sign-in, handoff or session check can end with. The same codes reach
 * `errorRedirect` and the `?error=` parameter of the error page, so the set is closed: adding one is a
 * breaking change.
 */
export type AuthErrorCode =
	| 'missing_token'
	| 'invalid_request'
	| 'invalid_state'
	| 'token_expired'
	| 'invalid_token'
	| 'verify_failed'
	| 'invalid_response'
	| 'network_error'
	| 'timeout'
	| 'session_conflict'
	| 'store_unavailable'
	| 'rate_limited'
	// OpenID Connect sign-in, refresh and logout
	| 'access_denied'
	| 'login_required'
	| 'invalid_grant'
	| 'server_error'
	| 'session_revoked'
	// The authorization server refused this client's authentication (a configuration fact, RFC 6749 §5.2)
	| 'invalid_client'
	// The returned authentication is weaker or older than the route asked for (RFC 9470)
	| 'insufficient_user_authentication';

/** Every {@link AuthErrorCode}, for validation and exhaustive tests. */
export const AUTH_ERROR_CODES: readonly AuthErrorCode[] = Object.freeze([
	'missing_token',
	'invalid_request',
	'invalid_state',
	'token_expired',
	'invalid_token',
	'verify_failed',
	'invalid_response',
	'network_error',
	'timeout',
	'session_conflict',
	'store_unavailable',
	'rate_limited',
	'access_denied',
	'login_required',
	'invalid_grant',
	'server_error',
	'session_revoked',
	'invalid_client',
	'insufficient_user_authentication'
]);

/**
 * A protocol or runtime fault: a check failed, a server misbehaved, a store was down. Its `code`
 * comes from the closed {@link AuthErrorCode} union; its message never contains a token.
 */
export class AuthError extends Error {
	readonly code: AuthErrorCode;

	constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'AuthError';
		this.code = code;
	}
}

/** Codes of {@link misuse} errors: wrong options or wrong calls, fixed by changing code or config. */
export type MisuseCode = 'ERR_INVALID_OPTION' | 'ERR_MISSING_SECRET' | 'ERR_INVALID_ARGUMENT';

/** A `TypeError` that carries a {@link MisuseCode}. */
export interface MisuseError extends TypeError {
	code: MisuseCode;
}

/** Builds the `TypeError` thrown for misuse; the message names the function and the option. */
export function misuse(code: MisuseCode, message: string): MisuseError {
	const error = new TypeError(message) as MisuseError;
	error.code = code;
	return error;
}
