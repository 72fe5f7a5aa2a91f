import type { Clock } from '../../clock.js';
import { createSealer } from '../../cookies/seal.js';
import type { TokenSet } from '../../cookies/session-cookie.js';
import { toPrivateJwk } from '../../crypto/dpop/dpop-key.js';

/**
 * The token set of one generation. `issuedAt` (ms) lets the refresh leeway be capped at half the
 * access token's lifetime; sessions written before it existed simply lack it.
 */
export type StoredTokenSet = TokenSet & { readonly issuedAt?: number };

/** Seals token sets into refresh-token family payloads, so the family store never holds a token in the clear. */
export interface TokenVault {
	seal(tokens: StoredTokenSet, expiresAtMs: number): Promise<string>;
	/** The token set, or null when the payload is not one this app sealed (another secret, tampered, expired). */
	open(payload: string): Promise<StoredTokenSet | null>;
}

export function createTokenVault(options: { secrets: readonly string[]; clock: Clock }): TokenVault {
	// Its own purpose-bound key: a family payload never opens as a session cookie or vice versa (S1).
	const sealer = createSealer({ secrets: options.secrets, purpose: 'family', clock: options.clock });
	return {
		seal: async (tokens, expiresAtMs) => sealer.seal({ t: { ...tokens } }, expiresAtMs),
		async open(payload) {
			const opened = await sealer.open<{ t?: unknown }>(payload);
			return opened ? toTokenSet(opened.payload.t) : null;
		}
	};
}

export function toTokenSet(value: unknown): StoredTokenSet | null {
	if (!value || typeof value !== 'object') return null;
	const t = value as Record<string, unknown>;
	if (typeof t.accessToken !== 'string' || typeof t.tokenType !== 'string' || typeof t.expiresAt !== 'number') return null;
	for (const field of ['refreshToken', 'idToken', 'scope'] as const) {
		if (t[field] !== undefined && typeof t[field] !== 'string') return null;
	}
	if (t.issuedAt !== undefined && typeof t.issuedAt !== 'number') return null;
	if (t.dpop !== undefined && toPrivateJwk(t.dpop) === null) return null;
	return t as unknown as StoredTokenSet;
}
