import { type AuthErrorCode } from '../../errors.js';
/** What `onError` is told about a failed sign-in, callback, sign-out, refresh or logout. Never a token. */
export interface AuthErrorInfo {
    readonly code: AuthErrorCode;
    /** Which part of the flow failed. */
    readonly phase: 'sign-in' | 'callback' | 'sign-out' | 'refresh' | 'backchannel-logout' | 'session-check';
    /** A description safe to log: no token, no `error_description` of the server. */
    readonly message: string;
    /** The underlying error (oauth4webapi, jose, a store), for debugging. */
    readonly cause?: unknown;
}
export declare function authorizationErrorCode(error: string): AuthErrorCode;
/** True for a failure of the network or the server that a later attempt may not meet (R7). */
export declare function isTransient(error: unknown): boolean;
/**
 * Maps a failure of a token endpoint exchange (authorization code or refresh) onto an error code:
 * `invalid_grant` from the server, `timeout` / `network_error` / `server_error` for transient faults,
 * `invalid_token` for a failed ID token check, `invalid_response` for anything malformed.
 */
export declare function tokenEndpointErrorCode(error: unknown): AuthErrorCode;
/** A short, token-free description of an error for `onError`. */
export declare function describe(error: unknown): string;
