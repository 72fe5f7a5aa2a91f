import { fromUtf8 } from '../../crypto/base64url.js';
import { generateDpopKey } from '../../crypto/dpop/dpop-key.js';
import type { DpopNonceMemory } from '../../crypto/dpop/dpop-nonce-memory.js';
import { fetchWithDpop } from '../../crypto/dpop/dpop-request.js';
import { DEFAULTS } from '../../defaults.js';
import { AuthError } from '../../errors.js';
import { verifyErrorCode } from '../http/protocol-errors.js';
import { readBodyCapped } from '../../http/read-body.js';
import type { ClientAuthConfig } from '../config/client-auth-config.js';
import type { VerifyProtocol } from '../config/handoff-config.js';
import { parseVerifyResponse, type VerifiedHandoff } from './verify-response.js';

/** How the verify endpoint is called. */
export interface VerifyCallConfig {
	url: URL;
	clientId: string;
	/**
	 * The app's `clientAuth`: `client_secret_basic` in the `Authorization` header (seed 001),
	 * `client_secret_post` as `client_secret` in the JSON body, `none` without credentials. A verify
	 * endpoint takes no client assertion, so `private_key_jwt` sends none either (a confidential client
	 * is then refused with invalid_client).
	 */
	clientAuth: ClientAuthConfig;
	appOrigin: string;
	fetch: typeof fetch;
	timeoutMs: number;
	protocol: VerifyProtocol;
	/** The runtime's nonce memory, for `'authrim-2026'`. */
	dpopNonces: DpopNonceMemory;
	clock: () => number;
}

/**
 * The verify URL of a contract: `'authrim-2026'` asks for the session and the user, which that
 * endpoint leaves out otherwise. Written literally: Authrim accepts exactly `include=session,user`,
 * and a serializer would percent-encode the comma.
 */
function verifyUrlFor(config: VerifyCallConfig): URL {
	if (config.protocol !== 'authrim-2026') return config.url;
	const url = new URL(config.url);
	url.search = `${url.search === '' ? '?' : `${url.search}&`}include=session,user`;
	return url;
}

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
export async function callVerifyEndpoint(config: VerifyCallConfig, handoff: { token: string; state: string; codeVerifier?: string }): Promise<VerifiedHandoff> {
	const headers: Record<string, string> = {
		accept: 'application/json',
		'content-type': 'application/json',
		origin: config.appOrigin
	};
	const auth = config.clientAuth;
	if (auth.method === 'client_secret_basic') headers.authorization = basicAuth(config.clientId, auth.secret);
	const signal = AbortSignal.timeout(config.timeoutMs);
	const url = verifyUrlFor(config);
	const init = {
		method: 'POST',
		headers,
		body: JSON.stringify({
			handoff_token: handoff.token,
			state: handoff.state,
			client_id: config.clientId,
			...(auth.method === 'client_secret_post' ? { client_secret: auth.secret } : {}),
			// Only for a handoff this browser started with a code_challenge (options.pkce).
			...(handoff.codeVerifier === undefined ? {} : { code_verifier: handoff.codeVerifier })
		}),
		redirect: 'manual' as const,
		signal
	};
	// A key per handoff: every session's token is bound to a key of its own, so one session's key
	// (sealed in its cookie) proves nothing for another's (docs/ARCHITECTURE.md, "DPoP").
	const dpop = config.protocol === 'authrim-2026' ? await generateDpopKey() : undefined;
	let response: Response;
	try {
		const send = config.fetch;
		response = dpop
			? await fetchWithDpop({ fetch: send, url, init, key: dpop.key, nonces: config.dpopNonces, clock: config.clock })
			: await send(url, init);
	} catch (cause) {
		const timeout = signal.aborted || (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError'));
		throw new AuthError(timeout ? 'timeout' : 'network_error', timeout ? 'the verify endpoint did not answer in time' : 'the verify endpoint could not be reached', { cause });
	}
	const type = jsonMediaType(response.headers.get('content-type'));
	// RFC 9457: problem+json describes a failure, whatever the status says.
	if (response.status === 200 && type === 'problem') {
		await response.body?.cancel().catch(() => {});
		throw new AuthError('invalid_response', 'the verify endpoint answered 200 with application/problem+json');
	}
	const body = type === null ? await discard(response) : await readJson(response, signal);
	if (response.status !== 200) {
		const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
		const code = verifyErrorCode(error, response.status);
		// Authrim names the failed check in `error_details.code` (`dpop_proof_missing`, …): shown, cleaned, for the logs.
		const details = body && typeof body === 'object' ? (body as { error_details?: { code?: unknown } }).error_details?.code : undefined;
		const clean = (v: unknown) => (typeof v === 'string' ? v.replace(/[^\w.-]/g, '').slice(0, 64) : '');
		const shown = typeof error === 'string' ? ` (${clean(error)}${typeof details === 'string' ? `: ${clean(details)}` : ''})` : '';
		throw new AuthError(code, `the verify endpoint answered ${response.status}${shown}`);
	}
	if (body === undefined) throw new AuthError('invalid_response', 'the verify endpoint answered 200 without a JSON body');
	const verified = parseVerifyResponse(body, config.clientId, config.protocol);
	return dpop ? { ...verified, dpop: dpop.jwk } : verified;
}

// `application/json` or a structured-syntax `+json` type (RFC 6839), as its essence (RFC 9110 §8.3.1).
const JSON_ESSENCE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/**
 * What a `Content-Type` says about a body the SDK would read as JSON: `'json'`, `'problem'`
 * (`application/problem+json`), or null for anything else, including a `charset` other than UTF-8
 * (JSON is UTF-8, RFC 8259 §8.1, and the body is decoded as UTF-8 only).
 */
function jsonMediaType(header: string | null): 'json' | 'problem' | null {
	if (header === null) return null;
	const [essence, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
	if (!JSON_ESSENCE.test(essence)) return null;
	for (const param of params) {
		const eq = param.indexOf('=');
		if (eq === -1 || param.slice(0, eq).trim() !== 'charset') continue;
		const charset = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
		if (charset !== 'utf-8' && charset !== 'utf8') return null;
	}
	return essence === 'application/problem+json' ? 'problem' : 'json';
}

async function discard(response: Response): Promise<undefined> {
	await response.body?.cancel().catch(() => {});
	return undefined;
}

/** The JSON body, or undefined when it is not JSON; read under the same deadline as the request. */
async function readJson(response: Response, signal: AbortSignal): Promise<unknown> {
	const bytes = await readBodyCapped(response, DEFAULTS.handoff.maxResponseBytes);
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

