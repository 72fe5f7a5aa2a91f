import type { Handle } from './handle-type.js';
import { type SessionRuntimeOptions } from './session-runtime.js';
/** Options of {@link createAuthHandle}. */
export interface AuthHandleOptions extends SessionRuntimeOptions {
    /** The authorization server's issuer URL (required). */
    issuer: string;
    /** This app's OAuth client id at the issuer (required). */
    clientId: string;
    /**
     * Paths on which a callback arrives (seed 001). A request on one of them that carries
     * `handoff_token` is left to the handoff handler or the route's load function.
     * Default `['/auth/callback']`.
     */
    callbackPaths?: string[];
    /**
     * **Development only.** Allows an `http:` issuer such as the embedded dev identity provider on
     * 127.0.0.1. Logs a warning at startup; never enable it in production.
     */
    allowInsecureRequests?: boolean;
}
/**
 * Creates the hook that reads the session cookie of every request into `event.locals.auth`: the
 * signed-in `{ user, session, isAuthenticated: true }`, or the signed-out value. A bad, expired or
 * tampered cookie never throws: it is deleted and the request continues signed out.
 *
 * ```ts
 * // src/hooks.server.ts
 * import { sequence } from '@sveltejs/kit/hooks';
 * import { createAuthHandle, createHandoffHandler } from 'sveltekit-sso/server';
 * export const handle = sequence(createAuthHandle({ issuer, clientId }), createHandoffHandler({ issuer, clientId }));
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_OPTION` / `ERR_MISSING_SECRET`) at construction for invalid options.
 */
export declare function createAuthHandle(options: AuthHandleOptions): Handle;
