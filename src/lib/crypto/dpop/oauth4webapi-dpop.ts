import * as oauth from 'oauth4webapi';
import type { DpopKey } from './dpop-key.js';
import type { DpopNonceMemory } from './dpop-nonce-memory.js';

// oauth4webapi's requests (token, refresh, userinfo, revocation, PAR) get their proofs from
// oauth4webapi's own DPoP handle: it knows each request's method and URL and checks `token_type`.
// These three functions make it use the same key and the same per-server nonce memory as every other
// proof the SDK sends (docs/ARCHITECTURE.md, "DPoP"), so one rule holds whichever code sends a request.

/**
 * An oauth4webapi `DPoP()` handle for `key` whose proofs carry the nonce the runtime's memory holds
 * for the server (RFC 9449 §8), so a nonce learnt on a handoff or resource call is used here too.
 */
export function oauth4webapiDpop(client: Pick<oauth.Client, typeof oauth.clockSkew>, key: DpopKey, nonces: DpopNonceMemory): oauth.DPoPHandle {
	return oauth.DPoP(client, { privateKey: key.privateKey, publicKey: key.publicKey }, {
		[oauth.modifyAssertion](_header, payload) {
			if (typeof payload.htu !== 'string') return;
			const nonce = nonces.get(payload.htu);
			if (nonce !== undefined) payload.nonce = nonce;
		}
	});
}

/** oauth4webapi's `customFetch` signature. */
export type Oauth4webapiFetch = (url: string, options: oauth.CustomFetchOptions<string, unknown>) => Promise<Response>;

/** A fetch for oauth4webapi's `customFetch` that records every `DPoP-Nonce` into `nonces`. Calls `fetch` unbound. */
export function fetchRememberingNonces(fetchFn: typeof fetch, nonces: DpopNonceMemory): Oauth4webapiFetch {
	const send = fetchFn;
	return async (url, options) => {
		// oauth4webapi's options are a RequestInit (its body types are all BodyInit).
		const response = await send(url, options as RequestInit);
		nonces.remember(url, response);
		return response;
	};
}

/**
 * The one-retry rule for an oauth4webapi exchange (request and response processing together): when
 * the server answers `use_dpop_nonce` (oauth4webapi's `isDPoPNonceError`), run it once more; the
 * retry's proof carries the nonce the first answer delivered. Never a second retry.
 */
export async function retryOnceOnDpopNonce<T>(exchange: () => Promise<T>): Promise<T> {
	try {
		return await exchange();
	} catch (error) {
		if (!oauth.isDPoPNonceError(error)) throw error;
		return exchange();
	}
}
