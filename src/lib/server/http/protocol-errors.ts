// The one map from protocol failures (authorization responses, token, userinfo and revocation calls,
// handoff verify and refusal answers) onto the closed AuthErrorCode set the app sees.
import * as oauth from 'oauth4webapi';
import { AuthError, type AuthErrorCode } from '../../errors.js';

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
	unauthorized_client: 'invalid_client',
	unsupported_response_type: 'invalid_request',
	invalid_scope: 'invalid_request'
};

// Own properties only: "constructor" or "__proto__" must not smuggle a function into the closed code set.
function lookup(map: Record<string, AuthErrorCode>, error: unknown, fallback: AuthErrorCode): AuthErrorCode {
	return typeof error === 'string' && Object.hasOwn(map, error) ? map[error] : fallback;
}

/** The code of an authorization error response (`?error=` on a callback). */
export function authorizationErrorCode(error: string): AuthErrorCode {
	return lookup(AUTHORIZATION_ERRORS, error, 'server_error');
}

// A refused silent handoff (`prompt=none`): every "the user must interact" answer is login_required.
const HANDOFF_REFUSALS: Record<string, AuthErrorCode> = {
	login_required: 'login_required',
	interaction_required: 'login_required',
	consent_required: 'login_required',
	access_denied: 'access_denied'
};

/** The code of an authorization server's refusal of an app-initiated handoff. */
export function handoffRefusalCode(error: string): AuthErrorCode {
	return lookup(HANDOFF_REFUSALS, error, 'verify_failed');
}

// A Smart Handoff verify endpoint's error codes (seed 001).
const VERIFY_ERRORS: Record<string, AuthErrorCode> = {
	invalid_grant: 'invalid_token',
	invalid_token: 'invalid_token',
	expired_token: 'token_expired',
	token_expired: 'token_expired',
	invalid_request: 'invalid_request',
	invalid_state: 'invalid_state',
	state_mismatch: 'invalid_state',
	invalid_client: 'invalid_client',
	unauthorized_client: 'invalid_client',
	interaction_required: 'verify_failed',
	login_required: 'verify_failed',
	access_denied: 'verify_failed'
};

/**
 * The code of a verify endpoint's non-200 answer: its `{ "error": … }` first; without a known one, its
 * status (401/403: the client's authentication; 429: the server's rate limit); anything else
 * `verify_failed`.
 */
export function verifyErrorCode(error: unknown, status: number): AuthErrorCode {
	const fallback: AuthErrorCode = status === 401 || status === 403 ? 'invalid_client' : status === 429 ? 'rate_limited' : 'verify_failed';
	return lookup(VERIFY_ERRORS, error, fallback);
}

/** True for a failure of the network or the server that a later attempt may not meet (R7). */
export function isTransient(error: unknown): boolean {
	if (error instanceof AuthError) return error.code === 'network_error' || error.code === 'timeout' || error.code === 'server_error';
	if (error instanceof oauth.ResponseBodyError) return error.status >= 500;
	if (isTimeout(error)) return true;
	// fetch rejects with a TypeError when the connection fails.
	if (isConnectionFailure(error)) return true;
	if (error instanceof oauth.OperationProcessingError) {
		if (bodyCutShort(error)) return true;
		const status = responseStatus(error);
		return status !== undefined && status >= 500;
	}
	return false;
}

function isTimeout(error: unknown): boolean {
	return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

// A TypeError from fetch or from reading its body (undici: "fetch failed", "terminated"), not a
// TypeError oauth4webapi throws for a malformed answer (those carry a string `code`).
function isConnectionFailure(error: unknown): boolean {
	return error instanceof TypeError && !('code' in error && typeof (error as { code?: unknown }).code === 'string');
}

// oauth4webapi reports a body it could not read as a parse error whose cause is the read's failure:
// the timeout aborting a body that stalled after the headers, or the connection closing mid-body.
// That is the network's fault, not a malformed answer (R7: keep the session, retry later).
function bodyCutShort(error: oauth.OperationProcessingError): 'timeout' | 'network_error' | undefined {
	if (isTimeout(error.cause)) return 'timeout';
	if (isConnectionFailure(error.cause)) return 'network_error';
	return undefined;
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

// The server refused the client's own authentication (RFC 6749 §5.2): a configuration fact that no
// retry and no new sign-in fixes, whatever body the server put around it.
const CLIENT_AUTH_ERRORS = new Set(['invalid_client', 'unauthorized_client']);

/**
 * Maps a failure of a call to the token or revocation endpoint (authorization code, refresh,
 * revocation) onto an error code, by the server's `error` first and its status second:
 * `invalid_grant` from the server, or a 400 without a readable body (the grant was refused);
 * `invalid_client` for `invalid_client` / `unauthorized_client` or a 401/403 (the app's client
 * authentication is wrong); `timeout` / `network_error` / `server_error` for transient faults;
 * `invalid_token` for a failed ID token check; `invalid_response` for anything else malformed.
 */
export function tokenEndpointErrorCode(error: unknown): AuthErrorCode {
	if (error instanceof AuthError) return error.code;
	if (error instanceof oauth.ResponseBodyError) {
		if (error.error === 'invalid_grant') return 'invalid_grant';
		if (CLIENT_AUTH_ERRORS.has(error.error) || error.status === 401 || error.status === 403) return 'invalid_client';
		return error.status >= 500 ? 'server_error' : 'invalid_response';
	}
	// A 401 with `WWW-Authenticate` (RFC 6749 §5.2 asks for it when the client used HTTP Basic).
	if (error instanceof oauth.WWWAuthenticateChallengeError) return error.status === 401 || error.status === 403 ? 'invalid_client' : 'invalid_response';
	if (isTimeout(error)) return 'timeout';
	if (error instanceof oauth.OperationProcessingError) {
		const cut = bodyCutShort(error);
		if (cut) return cut;
		if (TOKEN_CHECKS.has(error.code ?? '') || /\b(?:ID Token|JWT)\b/.test(error.message)) return 'invalid_token';
		return statusCode(responseStatus(error)) ?? 'invalid_response';
	}
	if (error instanceof oauth.UnsupportedOperationError) return 'invalid_response';
	if (error instanceof TypeError) return 'network_error';
	return 'invalid_response';
}

// An error answer whose body could not be read as RFC 6749 §5.2 JSON (empty, HTML, text): its status
// still says whose fault it is. A 400 from a token endpoint is a refused grant (RFC 6749 §5.2).
function statusCode(status: number | undefined): AuthErrorCode | undefined {
	if (status === undefined) return undefined;
	if (status >= 500) return 'server_error';
	if (status === 401 || status === 403) return 'invalid_client';
	if (status === 400) return 'invalid_grant';
	return undefined;
}

/**
 * Maps a failed userinfo call: as a token endpoint failure (a timeout is `timeout`, a 5xx
 * `server_error`, a failed check `invalid_token`), except that a 401/403 refuses the access token
 * presented (RFC 6750 §3.1), not the client: `invalid_token`.
 */
export function userInfoErrorCode(error: unknown): AuthErrorCode {
	const code = tokenEndpointErrorCode(error);
	return code === 'invalid_client' || code === 'invalid_grant' ? 'invalid_token' : code;
}

/** A short, token-free description of an error for `onError`. */
export function describe(error: unknown): string {
	if (error instanceof oauth.ResponseBodyError) return `the server answered ${error.status} ${error.error}`;
	if (error instanceof Error) return error.message.slice(0, 200);
	return 'unknown error';
}
