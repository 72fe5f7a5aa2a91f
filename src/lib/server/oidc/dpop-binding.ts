import * as oauth from 'oauth4webapi';
import type { Clock } from '../../clock.js';
import { importDpopKey, toPrivateJwk, type DpopKey, type DpopPrivateJwk } from '../../crypto/dpop/dpop-key.js';
import type { DpopNonceMemory } from '../../crypto/dpop/dpop-nonce-memory.js';
import { createDpopProof } from '../../crypto/dpop/dpop-proof.js';
import { fetchRememberingNonces, oauth4webapiDpop } from '../../crypto/dpop/oauth4webapi-dpop.js';
import { AuthError } from '../../errors.js';
import { requestOptions, type ServerConnection } from '../http/discovery.js';

// DPoP-bound OIDC tokens (RFC 9449): the glue between a session's stored key and oauth4webapi's
// requests. The proofs themselves come from crypto/dpop (docs/ARCHITECTURE.md, "DPoP").

/** What proving with a session key needs of the runtime. */
export interface DpopBindingDeps {
	readonly client: oauth.Client;
	readonly connection: Pick<ServerConnection, 'fetch' | 'timeoutMs' | 'allowInsecureRequests'>;
	readonly dpopNonces: DpopNonceMemory;
	readonly clock: Clock;
}

/** The stored private JWK as a signing key; an `invalid_token` AuthError when it is not one the SDK wrote. */
export async function sessionDpopKey(stored: unknown): Promise<DpopKey> {
	const jwk = toPrivateJwk(stored);
	if (jwk === null) throw new AuthError('invalid_token', 'the session holds no usable DPoP key for its DPoP-bound token');
	return importDpopKey(jwk);
}

/**
 * oauth4webapi request options for one request: with `key`, its `DPoP` handle on the session key
 * (nonce from the runtime's memory) and a fetch that records every `DPoP-Nonce`; without, the plain
 * options. Built per attempt: each carries its own timeout signal.
 */
export function oidcRequestOptions(deps: DpopBindingDeps, key: DpopKey | undefined) {
	const plain = requestOptions(deps.connection);
	if (key === undefined) return plain;
	return {
		...plain,
		[oauth.customFetch]: fetchRememberingNonces(deps.connection.fetch, deps.dpopNonces),
		DPoP: oauth4webapiDpop(deps.client, key, deps.dpopNonces)
	};
}

/**
 * A token response to a request proven with a DPoP key must be `token_type: DPoP` (RFC 9449 §5): a
 * server that answers a Bearer token ignored the proof, and a bearer token is what DPoP exists to
 * prevent. oauth4webapi lower-cases the type.
 */
export function requireDpopTokenType(tokenType: string): void {
	if (tokenType.toLowerCase() !== 'dpop') {
		throw new AuthError('invalid_response', `the token endpoint answered token_type "${tokenType.slice(0, 16)}" to a DPoP-proven request`);
	}
}

/** A `DPoP` header for a request oauth4webapi cannot prove itself (revocation), with the server's remembered nonce. */
export async function dpopHeader(deps: DpopBindingDeps, stored: DpopPrivateJwk, method: string, url: string): Promise<{ dpop: string }> {
	const key = await sessionDpopKey(stored);
	const nonce = deps.dpopNonces.get(url);
	return { dpop: await createDpopProof({ key, method, url, now: deps.clock(), ...(nonce === undefined ? {} : { nonce }) }) };
}
