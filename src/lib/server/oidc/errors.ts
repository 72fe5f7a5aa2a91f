import * as oauth from 'oauth4webapi';
import { AuthError, type AuthErrorCode } from '../../errors.js';

/** What `onError` is told about a failed sign-in, callback, sign-out, refresh or logout. Never a token. */
export interface AuthErrorInfo {
	readonly code: AuthErrorCode;
	/** Which part of the flow failed. */
	readonly phase: 'sign-in' | 'callback' | 'sign-out' | 'refresh' | 'backchannel-logout' | 'session-check';
	/** A description safe to log: no token, no `error_description` of the server. */
	readonly message: string;
	/** The underlying error (oauth4webapi, jose, a store), for debugging. */
	readonly cause?: unknown;
}

// An authorization error response (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6) mapped onto the closed set
// the app sees. The server's `error_description` never reaches the app's error page (C10).
const AUTHORIZATION_ERRORS: Record<string, AuthErrorCode> = {
	access_denied: 'access_denied',
	login_required: 'login_required',
	interaction_required: 'login_required',
	consent_required: 'login_required',
	account_selection_required: 'login_required',
	temporarily_unavailable: 'server_error',
	server_error: 'server_error',
	// The server found this app's request invalid (a misconfiguration, or a tampered authorization URL).
	invalid_request: 'invalid_request',
	invalid_request_uri: 'invalid_request',
	invalid_request_object: 'invalid_request',
	unauthorized_client: 'invalid_request',
	unsupported_response_type: 'invalid_request',
	invalid_scope: 'invalid_request'
};

export function authorizationErrorCode(error: string): AuthErrorCode {
	return Object.hasOwn(AUTHORIZATION_ERRORS, error) ? AUTHORIZATION_ERRORS[error] : 'server_error';
}

/** True for a failure of the network or the server that a later attempt may not meet (R7). */
export function isTransient(error: unknown): boolean {
	if (error instanceof AuthError) return error.code === 'network_error' || error.code === 'timeout' || error.code === 'server_error';
	if (error instanceof oauth.ResponseBodyError) return error.status >= 500;
	if (isTimeout(error)) return true;
	// fetch rejects with a TypeError when the connection fails.
	if (error instanceof TypeError && !('code' in error && typeof (error as { code?: unknown }).code === 'string')) return true;
	if (error instanceof oauth.OperationProcessingError) {
		const status = responseStatus(error);
		return status !== undefined && status >= 500;
	}
	return false;
}

function isTimeout(error: unknown): boolean {
	return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function responseStatus(error: oauth.OperationProcessingError): number | undefined {
	const cause = error.cause as unknown;
	if (cause instanceof Response) return cause.status;
	if (cause && typeof cause === 'object' && 'status' in cause && typeof (cause as { status: unknown }).status === 'number') {
		return (cause as { status: number }).status;
	}
	return undefined;
}

// oauth4webapi codes of a failed ID token (or JWT) check.
const TOKEN_CHECKS = new Set<string>([oauth.JWT_CLAIM_COMPARISON, oauth.JWT_TIMESTAMP_CHECK, oauth.KEY_SELECTION]);

/**
 * Maps a failure of a token endpoint exchange (authorization code or refresh) onto an error code:
 * `invalid_grant` from the server, `timeout` / `network_error` / `server_error` for transient faults,
 * `invalid_token` for a failed ID token check, `invalid_response` for anything malformed.
 */
export function tokenEndpointErrorCode(error: unknown): AuthErrorCode {
	if (error instanceof AuthError) return error.code;
	if (error instanceof oauth.ResponseBodyError) {
		if (error.error === 'invalid_grant') return 'invalid_grant';
		return error.status >= 500 ? 'server_error' : 'invalid_response';
	}
	if (isTimeout(error)) return 'timeout';
	if (error instanceof oauth.OperationProcessingError) {
		if (TOKEN_CHECKS.has(error.code ?? '') || /\b(?:ID Token|JWT)\b/.test(error.message)) return 'invalid_token';
		const status = responseStatus(error);
		return status !== undefined && status >= 500 ? 'server_error' : 'invalid_response';
	}
	if (error instanceof oauth.UnsupportedOperationError || error instanceof oauth.WWWAuthenticateChallengeError) return 'invalid_response';
	if (error instanceof TypeError) return 'network_error';
	return 'invalid_response';
}

/** A short, token-free description of an error for `onError`. */
export function describe(error: unknown): string {
	if (error instanceof oauth.ResponseBodyError) return `the server answered ${error.status} ${error.error}`;
	if (error instanceof Error) return error.message.slice(0, 200);
	return 'unknown error';
}

/** oauth4webapi options for the token, revocation and userinfo requests: injected fetch, timeout, http opt-in. */
export function requestOptions(connection: { fetch: typeof fetch; timeoutMs: number; allowInsecureRequests: boolean }) {
	return {
		[oauth.customFetch]: connection.fetch,
		[oauth.allowInsecureRequests]: connection.allowInsecureRequests,
		signal: AbortSignal.timeout(connection.timeoutMs)
	};
}
