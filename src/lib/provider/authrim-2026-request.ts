import { checkDpopProof, type DpopProofError } from '../crypto/dpop/dpop-proof-check.js';
import type { DpopReplayGuard } from '../crypto/dpop/dpop-replay-guard.js';
import type { DpopServerNonces } from '../crypto/dpop/dpop-server-nonce.js';

// The request rules Authrim's 2026 verify endpoint adds to seed 001's (docs/CONTRACTS.md): the
// `include` query, a DPoP proof, and an `Origin` among the client's registered redirect origins.

/** A refused 2026 request: status, error body, and a `DPoP-Nonce` to send when the proof lacked one. */
export interface Authrim2026Refusal {
	readonly status: number;
	readonly body: { error: string; error_description: string; error_details?: { code: DpopProofError } };
	readonly challenge: boolean;
}

/** `include`: absent → false, exactly `session,user` → true, anything else → null (refused). */
export function includeOf(url: URL): boolean | null {
	const values = url.searchParams.getAll('include');
	if (values.length === 0) return false;
	return values.length === 1 && values[0] === 'session,user' ? true : null;
}

/** The origin of the request: `Origin`, else the origin of `Referer`; null when neither is usable. */
export function requestOrigin(headers: Headers): string | null {
	const origin = headers.get('origin');
	if (origin !== null) return origin === 'null' ? null : origin;
	const referer = headers.get('referer');
	if (referer === null) return null;
	try {
		return new URL(referer).origin;
	} catch {
		return null;
	}
}

/**
 * Checks the DPoP proof of a 2026 verify request: the thumbprint of its key, which the issued token
 * is bound to, or the refusal Authrim answers (`error_details.code` `dpop_proof_missing` /
 * `dpop_proof_invalid`; RFC 9449 §8's `use_dpop_nonce` when a nonce is demanded and missing or stale).
 */
export async function checkVerifyProof(
	request: Request,
	url: URL,
	guards: { readonly replay: DpopReplayGuard; readonly nonces: DpopServerNonces | undefined; readonly now: number }
): Promise<{ ok: true; jkt: string } | { ok: false; refusal: Authrim2026Refusal }> {
	const result = await checkDpopProof({
		headers: request.headers,
		method: request.method,
		url,
		now: guards.now,
		replay: guards.replay,
		...(guards.nonces ? { nonces: guards.nonces } : {})
	});
	if (result.ok) return result;
	if (result.error === 'use_dpop_nonce') {
		return { ok: false, refusal: { status: 400, body: { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' }, challenge: true } };
	}
	const description = result.error === 'dpop_proof_missing' ? 'DPoP proof is required' : 'DPoP proof is invalid';
	return { ok: false, refusal: { status: 400, body: { error: 'invalid_request', error_description: description, error_details: { code: result.error } }, challenge: false } };
}
