import { fromUtf8 } from '../../crypto/base64url.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import { readBodyCapped } from '../../http/read-body.js';
import { isRecord as isObject } from '../../json.js';
import type { AuthUser } from '../../types.js';

/** What a verify endpoint vouched for, after its response passed every shape and binding check. */
export interface VerifiedHandoff {
	readonly tokenType: string;
	readonly accessToken: string;
	readonly expiresIn: number;
	readonly refreshToken?: string;
	readonly user: AuthUser;
	/** The authorization server's session id (kept for back-channel logout). */
	readonly session: { readonly id: string };
	readonly carryOverState: Record<string, unknown> | null;
}

/** How the verify endpoint is called. */
export interface VerifyCallConfig {
	url: URL;
	clientId: string;
	clientSecret: string | undefined;
	appOrigin: string;
	fetch: typeof fetch;
	timeoutMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

// The authorization server's error codes, mapped onto the closed set the app sees.
const SERVER_ERRORS: Record<string, AuthErrorCode> = {
	invalid_grant: 'invalid_token',
	invalid_token: 'invalid_token',
	expired_token: 'token_expired',
	token_expired: 'token_expired',
	invalid_request: 'invalid_request',
	invalid_state: 'invalid_state',
	state_mismatch: 'invalid_state',
	invalid_client: 'verify_failed',
	unauthorized_client: 'verify_failed',
	interaction_required: 'verify_failed',
	login_required: 'verify_failed',
	access_denied: 'verify_failed'
};

function basicAuth(clientId: string, secret: string): string {
	// RFC 6749 §2.3.1: form-urlencode each part before base64.
	const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
	const raw = `${encode(clientId)}:${encode(secret)}`;
	return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(raw)))}`;
}

/**
 * POSTs the handoff to the configured verify endpoint (never a URL from the request) as the seed's
 * JSON body, built by a serializer so no decoded value can inject a parameter (row H6), and checks
 * that the answer is a well-formed grant for this client (row H8).
 */
export async function callVerifyEndpoint(config: VerifyCallConfig, handoff: { token: string; state: string }): Promise<VerifiedHandoff> {
	const headers: Record<string, string> = {
		accept: 'application/json',
		'content-type': 'application/json',
		origin: config.appOrigin
	};
	if (config.clientSecret !== undefined) headers.authorization = basicAuth(config.clientId, config.clientSecret);
	const signal = AbortSignal.timeout(config.timeoutMs);
	let response: Response;
	try {
		response = await config.fetch(config.url, {
			method: 'POST',
			headers,
			body: JSON.stringify({ handoff_token: handoff.token, state: handoff.state, client_id: config.clientId }),
			redirect: 'manual',
			signal
		});
	} catch (cause) {
		const timeout = signal.aborted || (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError'));
		throw new AuthError(timeout ? 'timeout' : 'network_error', timeout ? 'the verify endpoint did not answer in time' : 'the verify endpoint could not be reached', { cause });
	}
	const body = await readJson(response, signal);
	if (response.status !== 200) {
		const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
		// Own properties only: "constructor" or "__proto__" must not smuggle a function into the closed code set.
		const code = typeof error === 'string' && Object.hasOwn(SERVER_ERRORS, error) ? SERVER_ERRORS[error] : 'verify_failed';
		const shown = typeof error === 'string' ? ` (${error.replace(/[^\w.-]/g, '').slice(0, 64)})` : '';
		throw new AuthError(code, `the verify endpoint answered ${response.status}${shown}`);
	}
	if (body === undefined) throw new AuthError('invalid_response', 'the verify endpoint answered 200 without a JSON body');
	return parseGrant(body, config.clientId);
}

/** The JSON body, or undefined when it is not JSON; read under the same deadline as the request. */
async function readJson(response: Response, signal: AbortSignal): Promise<unknown> {
	const type = response.headers.get('content-type') ?? '';
	if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
		await response.body?.cancel().catch(() => {});
		return undefined;
	}
	const bytes = await readBodyCapped(response, MAX_RESPONSE_BYTES);
	if (bytes === null) {
		if (signal.aborted) throw new AuthError('timeout', 'the verify endpoint did not finish its answer in time');
		throw new AuthError('invalid_response', 'the verify endpoint answered with an oversized or broken body');
	}
	const text = fromUtf8(bytes);
	if (text === null) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 16_384;
// Profile fields travel in every request's cookie: an attacker's own account with a 20 KB name,
// handed off to a victim, must not lock the victim's browser out with 431s (S7).
const MAX_PROFILE_FIELD = 256;
// A year: longer lifetimes are a misconfiguration, and Infinity would not survive sealing.
const MAX_EXPIRES_IN = 365 * 24 * 60 * 60;

function invalid(what: string): never {
	throw new AuthError('invalid_response', `the verify response ${what}`);
}

function parseGrant(body: unknown, clientId: string): VerifiedHandoff {
	if (!isObject(body)) invalid('is not a JSON object');
	const { token_type, access_token, expires_in, refresh_token, user, session, carry_over_state } = body;
	// A grant minted for another client must never sign anyone in here (mix-up, RFC 9700 §4.4).
	for (const claim of ['client_id', 'aud'] as const) {
		const value = body[claim];
		if (value === undefined) continue;
		const names = Array.isArray(value) ? value : [value];
		if (names.length !== 1 || names[0] !== clientId) invalid(`names another client in "${claim}"`);
	}
	if (!nonEmpty(token_type) || token_type.toLowerCase() !== 'bearer') invalid('has no Bearer "token_type"');
	if (!nonEmpty(access_token)) invalid('has no "access_token"');
	if (typeof expires_in !== 'number' || !Number.isFinite(expires_in) || expires_in <= 0 || expires_in > MAX_EXPIRES_IN) {
		invalid('has no positive "expires_in" of at most a year');
	}
	if (refresh_token !== undefined && !nonEmpty(refresh_token)) invalid('has a malformed "refresh_token"');
	if (!isObject(user) || !nonEmpty(user.id) || user.id.length > MAX_PROFILE_FIELD) invalid('has no "user" with an "id" of at most 256 characters');
	for (const field of ['email', 'name'] as const) {
		const value = user[field];
		if (value !== undefined && (typeof value !== 'string' || value.length > MAX_PROFILE_FIELD)) invalid(`has a malformed or oversized "user.${field}"`);
	}
	if (!isObject(session) || !nonEmpty(session.id)) invalid('has no "session" with an "id"');
	if (carry_over_state !== undefined && carry_over_state !== null && !isObject(carry_over_state)) invalid('has a malformed "carry_over_state"');
	return {
		tokenType: 'Bearer',
		accessToken: access_token,
		expiresIn: expires_in,
		...(refresh_token === undefined ? {} : { refreshToken: refresh_token }),
		user: {
			id: user.id,
			...(typeof user.email === 'string' ? { email: user.email } : {}),
			...(typeof user.name === 'string' ? { name: user.name } : {})
		},
		session: { id: session.id },
		carryOverState: (carry_over_state as Record<string, unknown> | undefined) ?? null
	};
}
