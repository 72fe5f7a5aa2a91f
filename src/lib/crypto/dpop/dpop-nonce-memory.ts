import { DEFAULTS } from '../../defaults.js';

/**
 * The last `DPoP-Nonce` each server sent (RFC 9449 §8), keyed by the server's origin as RFC 9449
 * §8.2 scopes nonces to a server. Bounded: the least recently used server is forgotten, so a
 * forgotten nonce costs one retry, never a failure.
 */
export interface DpopNonceMemory {
	/** The nonce to put in the next proof for `url`'s server, if it sent one. */
	get(url: URL | string): string | undefined;
	/** Remembers the `DPoP-Nonce` of `response`, from `url`'s server, if it carries one. */
	remember(url: URL | string, response: Pick<Response, 'headers'>): void;
}

// RFC 9449 §8: the nonce is an opaque non-empty NQCHAR string (%x21 / %x23-5B / %x5D-7E).
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;

/** A nonce memory for one runtime (every entry point of one issuer and client shares it). */
export function createDpopNonceMemory(maxEntries: number = DEFAULTS.dpop.nonceMemoryEntries): DpopNonceMemory {
	const nonces = new Map<string, string>();
	return {
		get(url) {
			const origin = new URL(url).origin;
			const nonce = nonces.get(origin);
			if (nonce !== undefined) {
				nonces.delete(origin);
				nonces.set(origin, nonce);
			}
			return nonce;
		},
		remember(url, response) {
			const nonce = response.headers.get('dpop-nonce');
			if (nonce === null || !NONCE.test(nonce)) return;
			const origin = new URL(url).origin;
			nonces.delete(origin);
			if (nonces.size >= maxEntries) nonces.delete(nonces.keys().next().value as string);
			nonces.set(origin, nonce);
		}
	};
}
