import type { Clock } from '../../clock.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { type RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
/**
 * Back-channel logout and family revocation, shared by every instance through the one store they
 * already share: the `RefreshTokenFamilyStore`.
 *
 * Sessions are sealed cookies, so the server cannot delete one; it can only refuse it. A logout token
 * names an IdP session (`sid`) or a user (`sub`), not a cookie, so the handler records a *logout
 * record* under a key derived from the issuer and that `sid` (or `sub`), and every instance checks
 * the sessions it serves against those records at most every `sessionCheckIntervalMs`, together
 * with the session's own refresh-token family (revoked by sign-out, replay or a failed refresh).
 *
 * A logout record is a family entry that is revoked from birth, with no token in it (`payload: ''`),
 * so any store that passes the family contract (memory, Redis, Postgres) carries it unchanged. Its id
 * starts with `bcl.`, which a real family id (base64url) never contains. It records *when* the logout
 * happened: sessions of that `sid` / `sub` created before then end, later sign-ins are unaffected. It
 * expires when the longest session it could apply to has expired.
 *
 * `jti` replay protection of logout tokens uses the same mechanism: registering `bcl.jti.<hash>`
 * succeeds once; a second registration is a replay.
 */
export interface SessionRevocation {
    /**
     * Bumped when this instance records a logout: a session checked before the bump is checked again on
     * its next request, so the instance that received the logout applies it immediately.
     */
    readonly epoch: number;
    /** Records that the IdP session `sid` (or every session of `sub`, when there is no `sid`) ended now. */
    recordLogout(input: {
        iss: string;
        sid?: string;
        sub?: string;
    }): Promise<void>;
    /** Claims a logout token's `jti`; false when it was already seen (a replay). */
    claimJti(input: {
        iss: string;
        jti: string;
        expiresAtMs: number;
    }): Promise<boolean>;
    /** Whether the session was ended by a logout record or its family was revoked. Store errors propagate. */
    isRevoked(record: SessionRecord): Promise<boolean>;
    /** Whether `record` can be ended by anything this checks (it names an IdP session or a family). */
    isCheckable(record: SessionRecord): boolean;
}
export declare function createSessionRevocation(options: {
    store: RefreshTokenFamilyStore;
    clock: Clock;
    /** The configured issuer: only sessions from it can be named by its logout tokens. */
    issuer: string;
    /** How long a logout record must live: the absolute session lifetime. */
    sessionMaxAgeMs: number;
}): SessionRevocation;
