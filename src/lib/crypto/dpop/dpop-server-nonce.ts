import { DEFAULTS } from '../../defaults.js';
import { base64urlToBytes, bytesToBase64url, utf8 } from '../base64url.js';

/** A server's DPoP nonces (RFC 9449 §8): issued on its answers, demanded in proofs. */
export interface DpopServerNonces {
	/** A fresh nonce for the `DPoP-Nonce` header. */
	issue(): Promise<string>;
	/** Whether `nonce` was issued here and is younger than the nonce lifetime. */
	isCurrent(nonce: string): Promise<boolean>;
}

/**
 * Stateless nonces: the issue time in seconds and an HMAC of it under a key made for this server
 * object (or the `key` given), so a nonce needs no storage and goes stale by itself after
 * `lifetimeSeconds`. Without a shared `key`, instances behind a balancer each refuse the others'
 * nonces once, and the client's one retry picks up the answering instance's nonce.
 */
export function createDpopServerNonces(options: { clock: () => number; lifetimeSeconds?: number; key?: CryptoKey }): DpopServerNonces {
	const lifetime = options.lifetimeSeconds ?? DEFAULTS.dpop.nonceLifetimeSeconds;
	// A key given by the host (an HMAC-SHA-256 CryptoKey every instance imports) makes the nonces of
	// one instance valid at all of them.
	const key = options.key
		? Promise.resolve(options.key)
		: crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
	const mac = async (issued: string) => new Uint8Array(await crypto.subtle.sign('HMAC', await key, utf8(`dpop-nonce.${issued}`)));
	return {
		async issue() {
			const issued = Math.floor(options.clock() / 1000).toString(36);
			return `${issued}.${bytesToBase64url(await mac(issued))}`;
		},
		async isCurrent(nonce) {
			const match = /^([0-9a-z]{1,12})\.([\w-]{43})$/.exec(nonce);
			const signature = match ? base64urlToBytes(match[2]) : null;
			if (!match || signature === null) return false;
			if (!(await crypto.subtle.verify('HMAC', await key, new Uint8Array(signature), utf8(`dpop-nonce.${match[1]}`)))) return false;
			const age = Math.floor(options.clock() / 1000) - parseInt(match[1], 36);
			return age >= 0 && age <= lifetime;
		}
	};
}
