/**
 * Prefix of every MAC input. The key is already derived for the `handoff-token` purpose (HKDF info);
 * the label is the second, independent guard that a value MAC'd for another purpose (a CSRF token, a
 * family key) never verifies as a handoff token and the other way round (row K4, CVE-2023-48309).
 */
export declare const HANDOFF_TOKEN_MAC_LABEL = "sveltekit-sso/handoff-token/v1";
/**
 * Longest token redeem looks at. Mint refuses to produce a longer one, so every minted token stays
 * redeemable; anything longer is not ours and is rejected before any decoding (row H10).
 */
export declare const MAX_HANDOFF_TOKEN_LENGTH = 8192;
/** The MAC'd claims. Short names keep the token, which travels in a URL, small. */
export interface HandoffTokenPayload {
    iss: string;
    /** The client the token was minted for. */
    aud: string;
    sub: string;
    /** The `state` the redeemer must present. */
    state: string;
    /** Seconds since the epoch. */
    iat: number;
    /** Seconds since the epoch; the token is expired from this instant on. */
    exp: number;
    /** Random UUID v4: the single-use record in the store, and the claim-check key when `cck` is set. */
    jti: string;
    /** Carry-over state that travels inline (serialized size ≤ 2048 bytes). */
    cos?: Record<string, unknown>;
    /** The carry-over state is claim-checked: it waits in the store under `jti`. */
    cck?: true;
}
export declare function signHandoffToken(payload: HandoffTokenPayload, key: CryptoKey): Promise<string>;
/**
 * Verifies the MAC under any of `keys` (rotation: the first key signs, all verify) and returns the
 * payload; null for anything that is not a well-formed token we MAC'd. Never throws: a MAC of the
 * wrong length or a part that is not base64url is a rejection like any other (row K1), and the
 * comparison is `crypto.subtle.verify`, constant-time, never a string `===`.
 */
export declare function openHandoffToken(token: string, keys: readonly CryptoKey[]): Promise<HandoffTokenPayload | null>;
export declare function isPlainObject(value: unknown): value is Record<string, unknown>;
