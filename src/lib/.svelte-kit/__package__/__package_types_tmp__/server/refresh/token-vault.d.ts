import type { Clock } from '../../clock.js';
import type { TokenSet } from '../../cookies/session-cookie.js';
/**
 * The token set of one generation. `issuedAt` (ms) lets the refresh leeway be capped at half the
 * access token's lifetime; sessions written before it existed simply lack it.
 */
export type StoredTokenSet = TokenSet & {
    readonly issuedAt?: number;
};
/** Seals token sets into refresh-token family payloads, so the family store never holds a token in the clear. */
export interface TokenVault {
    seal(tokens: StoredTokenSet, expiresAtMs: number): Promise<string>;
    /** The token set, or null when the payload is not one this app sealed (another secret, tampered, expired). */
    open(payload: string): Promise<StoredTokenSet | null>;
}
export declare function createTokenVault(options: {
    secrets: readonly string[];
    clock: Clock;
}): TokenVault;
export declare function toTokenSet(value: unknown): StoredTokenSet | null;
