import type { AuthUser, SessionInfo } from '../types.js';
/** `event.locals.auth` of a signed-in request. */
export interface SignedInAuth {
    readonly isAuthenticated: true;
    readonly user: AuthUser;
    readonly session: SessionInfo;
    /**
     * The carry-over state of the handoff that signed this browser in: present on the first request
     * after the handoff's 303 only, then null.
     */
    readonly carryOverState: Readonly<Record<string, unknown>> | null;
    /** A valid access token for server-side API calls (refreshed when needed), or null when there is none. */
    getAccessToken(): Promise<string | null>;
}
/** `event.locals.auth` of a signed-out request: a value, not an exception. */
export interface SignedOutAuth {
    readonly isAuthenticated: false;
    readonly user: null;
    readonly session: null;
    readonly carryOverState: null;
    getAccessToken(): Promise<null>;
}
/**
 * What `createAuthHandle` puts on `event.locals.auth`. Declare it in `src/app.d.ts`:
 *
 * ```ts
 * import type { ServerAuthContext } from 'sveltekit-sso/server';
 * declare global {
 *   namespace App {
 *     interface Locals { auth: ServerAuthContext }
 *   }
 * }
 * ```
 */
export type ServerAuthContext = SignedInAuth | SignedOutAuth;
/** The one signed-out value. */
export declare const SIGNED_OUT: SignedOutAuth;
