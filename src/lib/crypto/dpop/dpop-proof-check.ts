import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { DEFAULTS } from '../../defaults.js';
import { dpopAth, dpopHtu } from './dpop-proof.js';
import type { DpopReplayGuard } from './dpop-replay-guard.js';
import type { DpopServerNonces } from './dpop-server-nonce.js';

/** Why a proof was refused, in the error codes Authrim's verify endpoint and RFC 9449 §8 use. */
export type DpopProofError = 'dpop_proof_missing' | 'dpop_proof_invalid' | 'use_dpop_nonce';

/** The outcome of {@link checkDpopProof}. */
export type DpopProofCheck =
	| { readonly ok: true; readonly jkt: string }
	| { readonly ok: false; readonly error: DpopProofError; readonly reason: string };

/** What a received proof is checked against. */
export interface DpopProofCheckInput {
	/** The request's headers: exactly one `DPoP` header. */
	readonly headers: Headers;
	/** The request method (`htm`). */
	readonly method: string;
	/** The URL the request was received at, as this server is reached from outside (`htu`). */
	readonly url: URL;
	/** Milliseconds since the epoch. */
	readonly now: number;
	/** Remembers `jti`s within the proof window: a proof is accepted once. */
	readonly replay: DpopReplayGuard;
	/** When the server demands nonces: a proof without a current one is answered `use_dpop_nonce`. */
	readonly nonces?: DpopServerNonces;
	/** The access token the request presents: `ath` must be its hash (RFC 9449 §4.3 step 11). */
	readonly accessToken?: string;
	/** The thumbprint the presented token is bound to (`cnf.jkt`): the proof's key must be that key. */
	readonly jkt?: string;
}

// Asymmetric JWS algorithms only (RFC 9449 §4.3 step 5): `none` and MACs can prove nothing.
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_PROOF_LENGTH = 8192;

const refuse = (error: DpopProofError, reason: string): DpopProofCheck => ({ ok: false, error, reason });

/**
 * Checks a received DPoP proof as RFC 9449 §4.3 lists: one `DPoP` header holding a JWS with
 * `typ: dpop+jwt`, an asymmetric `alg` and a public `jwk` that verifies its signature; `htm` equal to
 * the method, `htu` equal to the request URL without query and fragment; `iat` within the window
 * (`DEFAULTS.dpop`); a `jti` not seen before; the server's nonce when it demands one; `ath` when an
 * access token is presented, and the bound key when the token has a `cnf.jkt`. The `jti` is claimed
 * last, so a refused proof does not use up its `jti`. Never throws for bad input.
 */
export async function checkDpopProof(input: DpopProofCheckInput): Promise<DpopProofCheck> {
	const proof = input.headers.get('dpop');
	if (proof === null || proof === '') return refuse('dpop_proof_missing', 'no DPoP header');
	// Two DPoP headers arrive joined by ", "; a JWS never holds a comma (§4.3 step 1).
	if (proof.length > MAX_PROOF_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) return refuse('dpop_proof_invalid', 'not one compact JWS');
	let header: ReturnType<typeof decodeProtectedHeader>;
	try {
		header = decodeProtectedHeader(proof);
	} catch {
		return refuse('dpop_proof_invalid', 'unreadable header');
	}
	if (header.typ !== 'dpop+jwt') return refuse('dpop_proof_invalid', 'typ is not dpop+jwt');
	if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) return refuse('dpop_proof_invalid', 'alg is not an asymmetric algorithm');
	const jwk = header.jwk as JWK | undefined;
	if (typeof jwk !== 'object' || jwk === null || PRIVATE_MEMBERS.some((name) => name in jwk)) {
		return refuse('dpop_proof_invalid', 'jwk is missing or not a public key');
	}
	let payload: Record<string, unknown>;
	try {
		({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ALGORITHMS }));
	} catch {
		return refuse('dpop_proof_invalid', 'the signature does not verify with the embedded jwk');
	}
	const { jti, htm, htu, iat, nonce, ath } = payload;
	if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return refuse('dpop_proof_invalid', 'jti is missing');
	if (htm !== input.method) return refuse('dpop_proof_invalid', 'htm is not the request method');
	let proofHtu: string;
	try {
		proofHtu = typeof htu === 'string' ? dpopHtu(htu) : '';
	} catch {
		proofHtu = '';
	}
	if (proofHtu !== dpopHtu(input.url)) return refuse('dpop_proof_invalid', 'htu is not the request URL');
	const now = Math.floor(input.now / 1000);
	const { proofMaxAgeSeconds, proofMaxSkewSeconds } = DEFAULTS.dpop;
	if (typeof iat !== 'number' || !Number.isFinite(iat) || iat < now - proofMaxAgeSeconds || iat > now + proofMaxSkewSeconds) {
		return refuse('dpop_proof_invalid', 'iat is outside the acceptance window');
	}
	if (input.nonces && (typeof nonce !== 'string' || !(await input.nonces.isCurrent(nonce)))) {
		return refuse('use_dpop_nonce', nonce === undefined ? 'the server requires a nonce' : 'the nonce is stale or unknown');
	}
	if (input.accessToken !== undefined && ath !== (await dpopAth(input.accessToken))) {
		return refuse('dpop_proof_invalid', 'ath is not the hash of the presented access token');
	}
	let jkt: string;
	try {
		jkt = await calculateJwkThumbprint(jwk, 'sha256');
	} catch {
		return refuse('dpop_proof_invalid', 'jwk has no thumbprint');
	}
	if (input.jkt !== undefined && jkt !== input.jkt) return refuse('dpop_proof_invalid', 'the proof key is not the key the token is bound to');
	// Keyed by the key too: two clients' random jtis never collide into a refusal.
	let claimed: boolean;
	try {
		claimed = await input.replay.claim(`${jkt}.${jti}`, (iat + proofMaxAgeSeconds + proofMaxSkewSeconds) * 1000);
	} catch {
		// A shared guard that cannot answer cannot vouch for the jti: fail closed.
		claimed = false;
	}
	if (!claimed) {
		return refuse('dpop_proof_invalid', 'jti was already used');
	}
	return { ok: true, jkt };
}
