import { DEFAULTS } from '../../defaults.js';
import { dpopHtu } from './dpop-proof.js';

/**
 * The last `DPoP-Nonce` each server sent (RFC 9449 §8, §9), keyed by the endpoint (`htu`: origin and
 * path). Not by origin alone: an authorization server and a resource server (or a Smart Handoff
 * verify endpoint) may share an origin and keep separate nonces, or one of them none at all, and a
 * nonce sent where it is unknown can be refused outright (oidc-provider without nonces answers
 * `invalid_dpop_proof`, not a challenge) — a failure on every call. Per endpoint, a server that demands
 * nonces costs one retry per endpoint and process. Bounded: the least recently used endpoint is
 * forgotten, so a forgotten nonce costs one retry, never a failure.
 */
export interface DpopNonceMemory {
	/** The nonce to put in the next proof for `url` (query and fragment ignored), if its server sent one. */
	get(url: URL | string): string | undefined;
	/** Remembers the `DPoP-Nonce` of `response`, the answer to a request to `url`, if it carries one. */
	remember(url: URL | string, response: Pick<Response, 'headers'>): void;
}

// RFC 9449 §8: the nonce is an opaque non-empty NQCHAR string (%x21 / %x23-5B / %x5D-7E).
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;

/** A nonce memory for one runtime (every entry point of one issuer and client shares it). */
export function createDpopNonceMemory(maxEntries: number = DEFAULTS.dpop.nonceMemoryEntries): DpopNonceMemory {
	const nonces = new Map<string, string>();
	return {
		get(url) {
			const endpoint = dpopHtu(url);
			const nonce = nonces.get(endpoint);
			if (nonce !== undefined) {
				nonces.delete(endpoint);
				nonces.set(endpoint, nonce);
			}
			return nonce;
		},
		remember(url, response) {
			const nonce = response.headers.get('dpop-nonce');
			if (nonce === null || !NONCE.test(nonce)) return;
			const endpoint = dpopHtu(url);
			nonces.delete(endpoint);
			if (nonces.size >= maxEntries) nonces.delete(nonces.keys().next().value as string);
			nonces.set(endpoint, nonce);
		}
	};
}
