import { AuthError, type AuthErrorCode } from '../../errors.js';
import type { AuthUser } from '../../types.js';

/** What a verify endpoint vouched for, after its response passed every shape and binding check. */
export interface VerifiedHandoff {
	readonly tokenType: string;
	readonly accessToken: string;
	readonly expiresIn: number;
	readonly refreshToken?: string;
	readonly user: AuthUser;
	readonly session: { readonly id: string; readonly expiresAt?: number };
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
	let response: Response;
	try {
		response = await config.fetch(config.url, {
			method: 'POST',
			headers,
			body: JSON.stringify({ handoff_token: handoff.token, state: handoff.state, client_id: config.clientId }),
			redirect: 'manual',
			signal: AbortSignal.timeout(config.timeoutMs)
		});
	} catch (cause) {
		const timeout = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
		throw new AuthError(timeout ? 'timeout' : 'network_error', timeout ? 'the verify endpoint did not answer in time' : 'the verify endpoint could not be reached', { cause });
	}
	const body = await readJson(response, config.timeoutMs);
	if (response.status !== 200) {
		const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
		const code = typeof error === 'string' ? SERVER_ERRORS[error] : undefined;
		throw new AuthError(code ?? 'verify_failed', `the verify endpoint answered ${response.status}${typeof error === 'string' ? ` (${error.slice(0, 64)})` : ''}`);
	}
	if (body === undefined) throw new AuthError('invalid_response', 'the verify endpoint answered 200 without a JSON body');
	return parseGrant(body, config.clientId);
}

async function readJson(response: Response, timeoutMs: number): Promise<unknown> {
	const type = response.headers.get('content-type') ?? '';
	if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
		await response.body?.cancel().catch(() => {});
		return undefined;
	}
	const declared = Number(response.headers.get('content-length') ?? '0');
	if (declared > MAX_RESPONSE_BYTES) {
		await response.body?.cancel().catch(() => {});
		throw new AuthError('invalid_response', 'the verify endpoint answered with an oversized body');
	}
	let text: string;
	try {
		text = await Promise.race([
			response.text(),
			new Promise<never>((_, reject) => setTimeout(() => reject(new Error('body timeout')), timeoutMs))
		]);
	} catch (cause) {
		throw new AuthError('timeout', 'the verify endpoint did not finish its answer in time', { cause });
	}
	if (text.length > MAX_RESPONSE_BYTES) throw new AuthError('invalid_response', 'the verify endpoint answered with an oversized body');
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 16_384;

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
	if (typeof expires_in !== 'number' || !Number.isFinite(expires_in) || expires_in <= 0) invalid('has no positive "expires_in"');
	if (refresh_token !== undefined && !nonEmpty(refresh_token)) invalid('has a malformed "refresh_token"');
	if (!isObject(user) || !nonEmpty(user.id)) invalid('has no "user" with an "id"');
	for (const field of ['email', 'name'] as const) {
		if (user[field] !== undefined && typeof user[field] !== 'string') invalid(`has a malformed "user.${field}"`);
	}
	if (!isObject(session) || !nonEmpty(session.id)) invalid('has no "session" with an "id"');
	let sessionExpiresAt: number | undefined;
	if (session.expiresAt !== undefined) {
		sessionExpiresAt = typeof session.expiresAt === 'number' ? session.expiresAt : Date.parse(String(session.expiresAt));
		if (!Number.isFinite(sessionExpiresAt)) invalid('has a malformed "session.expiresAt"');
	}
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
		session: { id: session.id, ...(sessionExpiresAt === undefined ? {} : { expiresAt: sessionExpiresAt }) },
		carryOverState: (carry_over_state as Record<string, unknown> | undefined) ?? null
	};
}
