/** The signed-in user, as the authorization server described them. */
export interface AuthUser {
    /** Stable identifier (the `sub`). */
    readonly id: string;
    readonly email?: string;
    readonly name?: string;
    /** Further claims the authorization server returned (OIDC `picture`, `email_verified`, …). */
    readonly [claim: string]: unknown;
}
/** The public description of a session: safe to send to the browser (no token). */
export interface SessionInfo {
    /** Random session identifier chosen by the SDK (or the authorization server on handoff). */
    readonly id: string;
    /** When the session started (ms since the epoch). */
    readonly createdAt: number;
    /** When the session ends unless it is used again (ms since the epoch): the earlier of the inactivity and the absolute limit. */
    readonly expiresAt: number;
    /** How the user signed in. */
    readonly source: 'handoff' | 'oidc' | 'testing';
}
