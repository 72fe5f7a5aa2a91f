import { fromUtf8 } from '../base64url.js';
import { readBodyCapped } from '../../http/read-body.js';
import type { DpopKey } from './dpop-key.js';
import type { DpopNonceMemory } from './dpop-nonce-memory.js';
import { createDpopProof } from './dpop-proof.js';

/** One request sent with a DPoP proof. */
export interface DpopRequest {
	/** Called unbound. */
	readonly fetch: typeof fetch;
	readonly url: URL;
	/** `method` is required (it is the proof's `htm`); a body must be replayable (a string), for the retry. */
	readonly init: Omit<RequestInit, 'method' | 'body' | 'headers'> & {
		readonly method: string;
		readonly body?: string;
		readonly headers?: Record<string, string>;
	};
	readonly key: DpopKey;
	readonly nonces: DpopNonceMemory;
	/** A DPoP-bound access token to present: sent as `Authorization: DPoP …` and hashed into `ath`. */
	readonly accessToken?: string;
	/** Milliseconds since the epoch. */
	readonly clock: () => number;
}

// A 400 nonce challenge is a small JSON error body (RFC 9449 §8); reading more is pointless.
const CHALLENGE_BODY_BYTES = 4096;

/**
 * Sends a request with a fresh DPoP proof (RFC 9449 §4), with the server's remembered nonce, and
 * follows one nonce challenge: when the server answers `use_dpop_nonce` (a 400 with that `error`
 * from an authorization server, §8; a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a
 * resource server, §9) with a `DPoP-Nonce` other than the one just sent, the request is sent once
 * more with a new proof carrying it. Never a second retry: a server that keeps asking gets its
 * answer passed through. Every `DPoP-Nonce` the server sends is remembered for the next request.
 */
export async function fetchWithDpop(request: DpopRequest): Promise<Response> {
	const send = request.fetch;
	let sentNonce = request.nonces.get(request.url);
	for (let attempt = 0; ; attempt++) {
		const proof = await createDpopProof({
			key: request.key,
			method: request.init.method,
			url: request.url,
			now: request.clock(),
			...(request.accessToken === undefined ? {} : { accessToken: request.accessToken }),
			...(sentNonce === undefined ? {} : { nonce: sentNonce })
		});
		const headers: Record<string, string> = { ...request.init.headers, dpop: proof };
		if (request.accessToken !== undefined) headers.authorization = `DPoP ${request.accessToken}`;
		const response = await send(request.url, { ...request.init, headers });
		request.nonces.remember(request.url, response);
		const offered = response.headers.get('dpop-nonce');
		if (attempt > 0 || offered === null || offered === sentNonce || !(await isNonceChallenge(response))) return response;
		await response.body?.cancel().catch(() => {});
		sentNonce = request.nonces.get(request.url);
		// A nonce the memory refused (malformed) is not retried with.
		if (sentNonce !== offered) return response;
	}
}

/** Whether `response` is a `use_dpop_nonce` challenge; reads a copy of the body, never the original. */
export async function isNonceChallenge(response: Response): Promise<boolean> {
	if (response.status === 401) {
		const challenge = response.headers.get('www-authenticate') ?? '';
		return /(?:^|,)\s*dpop\b[^]*\berror\s*=\s*"?use_dpop_nonce"?/i.test(challenge);
	}
	if (response.status !== 400 || response.body === null) return false;
	const bytes = await readBodyCapped(response.clone(), CHALLENGE_BODY_BYTES);
	const text = bytes === null ? null : fromUtf8(bytes);
	if (text === null) return false;
	try {
		const body = JSON.parse(text) as unknown;
		return typeof body === 'object' && body !== null && (body as { error?: unknown }).error === 'use_dpop_nonce';
	} catch {
		return false;
	}
}
