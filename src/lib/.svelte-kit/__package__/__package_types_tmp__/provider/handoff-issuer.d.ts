import { type Clock } from '../clock.js';
import { type SecretOption } from '../crypto/secret.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
/**
 * Carry-over state whose serialized JSON is at most this many UTF-8 bytes travels inside the token;
 * larger state is claim-checked into the store and only its key travels (seed 000: the token rides
 * in a URL, and request lines over ~8 KB are refused by nginx, ALBs and Node).
 */
export declare const HANDOFF_INLINE_STATE_MAX_BYTES = 2048;
/**
 * How much longer than the token a store entry lives. Expiry is decided by the MAC'd `exp`, so the
 * entry must outlive it: a token used after `exp` then reports `expired_token` rather than looking
 * replayed, and a little clock skew between the app and the store does not matter (row K3).
 */
export declare const HANDOFF_STORE_GRACE_SECONDS = 60;
/** Options of {@link createHandoffIssuer}. */
export interface HandoffIssuerOptions {
    /**
     * The authorization server's issuer identifier (an absolute http(s) URL). Written into every token
     * and compared exactly on redeem, so two issuers that share a secret cannot redeem each other's
     * tokens.
     */
    issuer: string;
    /**
     * The MAC secret (≥ 32 bytes), or a list for rotation: the first signs, every one verifies.
     * Default: the `AUTH_SECRET` environment variable; in development an ephemeral per-process secret
     * (with a warning), in production a missing secret throws.
     */
    secret?: SecretOption;
    /**
     * Where single-use records and claim-checked carry-over state live. Every instance that may
     * redeem a token must share it (`InMemoryHandoffStateStore` for one process, the Redis or Postgres
     * store for several).
     */
    store: HandoffStateStore;
    /** Lifetime of a handoff token in seconds, 1–600. Default: `60`. */
    ttlSeconds?: number;
    /** Time source in ms since the epoch. Default: `Date.now`. */
    clock?: Clock;
}
/** What the authorization server knows when the user clicks "Open App" or an app asks for a handoff. */
export interface MintHandoffInput {
    /** The client (relying party) that will redeem the token; it becomes the token's audience. */
    clientId: string;
    /** The signed-in user's subject identifier. */
    sub: string;
    /**
     * The `state` the redeemer must present: the app's own state for an app-initiated handoff, a fresh
     * random value for an IdP-initiated one.
     */
    state: string;
    /**
     * A JSON object handed to the app after the sign-in (a return path, a cart id). Serialized above
     * {@link HANDOFF_INLINE_STATE_MAX_BYTES} bytes it is claim-checked into the store. It comes back as
     * `JSON.parse(JSON.stringify(carryOverState))`.
     */
    carryOverState?: Record<string, unknown>;
}
/** What the redeemer must present besides the token. */
export interface RedeemHandoffInput {
    /** The authenticated client presenting the token; must equal the token's audience. */
    clientId: string;
    /** The `state` that arrived with the token; must equal the minted one. */
    state: string;
}
/**
 * Why a redemption failed. `redeem` itself answers `invalid_request` (missing or non-string input),
 * `invalid_grant` (forged, tampered, foreign, bound to another client or state, replayed),
 * `expired_token` and `server_error` (the store failed; nothing was accepted). `invalid_client` is
 * what the verify endpoint answers when client authentication fails; it is part of this union so the
 * endpoint and its callers share one closed set of codes.
 */
export type HandoffRedeemError = 'invalid_grant' | 'expired_token' | 'invalid_request' | 'invalid_client' | 'server_error';
/** The outcome of {@link HandoffIssuer.redeem}: a failed check is a value, never an exception. */
export type RedeemResult = {
    readonly ok: true;
    readonly sub: string;
    readonly clientId: string;
    readonly carryOverState?: Record<string, unknown>;
} | {
    readonly ok: false;
    readonly error: HandoffRedeemError;
};
/** The authorization-server side of Smart Handoff: mints single-use handoff tokens and redeems them. */
export interface HandoffIssuer {
    /** The issuer identifier the tokens carry. */
    readonly issuer: string;
    /**
     * Mints a single-use handoff token for `sub`, bound to `clientId` and `state`. The token is
     * recorded in the store before it is returned, so it can be redeemed exactly once.
     *
     * @throws {TypeError} `ERR_INVALID_ARGUMENT` for an empty `clientId`, `sub` or `state`, carry-over
     * state that is not a JSON-serializable plain object, or a token that would exceed 8192 characters.
     * @throws {AuthError} `store_unavailable` when the store failed to record the token.
     */
    mint(input: MintHandoffInput): Promise<string>;
    /**
     * Redeems a token once. Checks, in this order: the MAC and shape, the binding (issuer, audience =
     * `clientId`, `state`), the key format, expiry, and only then consumes the single-use record with
     * the store's atomic `getAndDelete`. Never throws.
     */
    redeem(token: string, input: RedeemHandoffInput): Promise<RedeemResult>;
}
/** True for issuers made by {@link createHandoffIssuer}: the verify endpoint accepts nothing else. */
export declare function isHandoffIssuer(value: unknown): value is HandoffIssuer;
/**
 * Creates the issuer of Smart Handoff tokens (seed 001, claim-check per seed 000).
 *
 * A token is `base64url(payload).base64url(HMAC-SHA256(label "." payload))` with `iss`, `aud`,
 * `sub`, `state`, `iat`, `exp` and a random `jti`. Every token, with or without carry-over state, is
 * recorded in the store under its `jti` at mint and consumed with `getAndDelete` at redeem, so of a
 * replay, or of two concurrent redemptions, exactly one succeeds (rows H4, K2). Carry-over state over
 * 2048 bytes is stored in that same entry, so consuming the token and retrieving its state are one
 * atomic step that cannot half-succeed.
 *
 * Why redeem checks in the order it does: the MAC comes first so forged input never reaches the
 * store (K1, K6); the binding to issuer, client and state comes before consumption so that someone
 * who holds a token but presents the wrong `state` or client cannot burn the legitimate holder's
 * single use; expiry comes before consumption because an expired token is useless either way and
 * should say `expired_token`; consumption, the only step with a side effect, comes last.
 *
 * @throws {TypeError} `ERR_INVALID_OPTION` naming the option: missing or non-URL `issuer`, a store
 * without `set`/`getAndDelete`, `ttlSeconds` outside 1–600, a `clock` that is not a function; and
 * the secret errors of `resolveSecrets` (`options.secret must be at least 32 bytes`).
 *
 * @example
 * ```ts
 * import { createHandoffIssuer } from 'sveltekit-sso/provider';
 * import { InMemoryHandoffStateStore } from 'sveltekit-sso/server';
 *
 * const handoff = createHandoffIssuer({
 * 	issuer: 'https://id.example.com',
 * 	secret: process.env.HANDOFF_SECRET,
 * 	store: new InMemoryHandoffStateStore()
 * });
 * const token = await handoff.mint({ clientId: 'app', sub: user.id, state: crypto.randomUUID() });
 * ```
 */
export declare function createHandoffIssuer(options: HandoffIssuerOptions): HandoffIssuer;
