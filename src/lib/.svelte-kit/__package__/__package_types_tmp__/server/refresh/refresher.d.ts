import type { SessionRecord } from '../../cookies/session-cookie.js';
import type { AuthErrorCode } from '../../errors.js';
import type { OidcRuntime } from '../oidc/options.js';
/** What a refresh did to a session. */
export type RefreshOutcome = 
/** A newer token set: write `record` (a new generation, or one adopted from another request). */
{
    readonly kind: 'refreshed';
    readonly record: SessionRecord;
}
/** Nothing to write: the session goes on with its tokens; try again after `retryAt`. */
 | {
    readonly kind: 'unchanged';
    readonly retryAt: number;
}
/** The session is over (invalid_grant, replay, revoked family, a refreshed ID token for someone else). */
 | {
    readonly kind: 'ended';
    readonly code: AuthErrorCode;
}
/** The family store failed: no token request was made; the request goes on signed out (fail closed, R6). */
 | {
    readonly kind: 'unavailable';
};
export interface Refresher {
    /** When `record` needs a refresh (ms since the epoch); Infinity when it cannot be refreshed. */
    refreshAt(record: SessionRecord): number;
    /** Refreshes `record` once per family generation across concurrent callers and instances. */
    refresh(record: SessionRecord): Promise<RefreshOutcome>;
}
/**
 * Rotation-safe refresh (RFC 9700 §4.14.2) on top of `createRefreshTokenFamilyRotation`:
 *
 * - **In this process**, concurrent requests of one session share one promise per family generation.
 * - **Across instances**, the family's lease decides who redeems the refresh token: the holder calls
 *   the token endpoint and commits generation + 1; the others wait (at most `refreshWaitMs`) and
 *   adopt the committed token set. A refresh token is never redeemed twice: without a lease there is
 *   no token request, and a store failure means no token request (fail closed, R6).
 * - A cookie one generation behind within `refreshGraceMs` of the rotation adopts the current tokens;
 *   anything older is a replay: the family is revoked and the session ends (R2).
 * - `invalid_grant` revokes the family and ends the session, with no retry (R7). A 5xx, timeout or
 *   network failure gives the lease back and keeps the session; the next attempt waits
 *   `retryAfterMs`.
 * - A refreshed ID token must name the same `iss`, `sub` and `aud` as the original (I9, R5).
 * - A response without a new refresh token keeps the previous one (R4).
 * - `unknown_family` for a cookie that still holds its sealed refresh token (the in-memory store lost
 *   its families in a restart) re-registers the family from the cookie, at the cookie's generation
 *   and with no grace window, so a restart does not sign users out while their refresh tokens live.
 *
 * Why re-registering does not reopen replay: the store's generation check is only the first line; the
 * authorization server's own reuse detection is the second, and it survives the restart. If the first
 * cookie to arrive after the restart is a stale copy (generation g-1), its refresh token was already
 * rotated away, so the server answers `invalid_grant` (and, with rotation, revokes the whole grant):
 * the family is revoked here and the holder of the newest cookie is signed out at its next refresh —
 * a stolen copy never obtains tokens. If the newest cookie arrives first, the family is recreated at
 * generation g with its rotation time outside the grace window, so a stale copy arriving later is a
 * replay, exactly as before the restart. What a restart does lose with the in-memory store: families
 * revoked before it (a sign-out, a replay) and back-channel logouts; their cookies stay readable until
 * the access token needs a refresh, which the server then refuses. Use a shared, durable store
 * (Redis, Postgres) when that matters.
 */
export declare function createRefresher(runtime: OidcRuntime): Refresher;
