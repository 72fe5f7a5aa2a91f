import type { TransactionCookieOptions } from '../../cookies/transaction-store.js';
import { TransactionStore } from '../../cookies/transaction-store.js';
import { type AuthErrorCode } from '../../errors.js';
import { type Discovery } from '../discovery.js';
import { type SessionRuntime, type SessionRuntimeOptions } from '../session-runtime.js';
import type { VerifyCallConfig } from './verify-call.js';
/** What `onError` is told about a failed handoff. It never carries the token. */
export interface HandoffErrorInfo {
    readonly code: AuthErrorCode;
    /** A description safe to log. */
    readonly message: string;
    /** The underlying error (network failure, response parse error); never the token. */
    readonly cause?: unknown;
}
/** Options of `createHandoffHandler` and `verifyHandoffToken` (seed 001's `HandoffVerifyOptions`, extended). */
export interface HandoffOptions extends SessionRuntimeOptions {
    /** The authorization server's issuer URL (required). */
    issuer: string;
    /** This app's OAuth client id (required). */
    clientId: string;
    /** Client secret: sent as HTTP Basic client authentication on the verify call. */
    clientSecret?: string;
    /** Verify endpoint: a path resolved against the issuer, or an absolute URL. Default `'/auth/external/handoff/verify'`. */
    verifyEndpoint?: string;
    /**
     * Where a failed handoff goes: a same-origin path, or a function from the error code to one.
     * Default `'/login'`, with `?error=<code>` appended when the string has no `error` parameter.
     */
    errorRedirect?: string | ((error: AuthErrorCode) => string);
    /** Verify-call timeout in milliseconds. Default 5000. */
    timeoutMs?: number;
    /** The fetch used to call the authorization server. Default `globalThis.fetch`. */
    fetch?: typeof fetch;
    /** Told about every failed handoff, for logging. Never given the token. */
    onError?: (info: HandoffErrorInfo) => void;
    /**
     * Handoffs the authorization server starts on its own (seed 001's "Open App"), which no
     * transaction in this browser vouches for. `'accept'` (default) signs them in, but never replaces
     * another signed-in user's session; `'reject'` refuses them before any network call, which closes
     * handoff login CSRF completely.
     */
    idpInitiated?: 'accept' | 'reject';
    /**
     * A handoff for user B arriving in a browser signed in as user A: `'reject'` (default) answers
     * `session_conflict` and keeps A's session; `'replace'` signs B in.
     */
    sessionConflict?: 'reject' | 'replace';
    /** **Development only.** Allows an `http:` issuer; warns at startup. */
    allowInsecureRequests?: boolean;
    /** GET route that starts an app-initiated handoff (`?returnTo=/path`). Default `'/auth/handoff'`. */
    startPath?: string;
    /** Where the authorization server returns an app-initiated handoff. Default `${origin}/auth/callback`. */
    redirectUri?: string;
    /** Authorization endpoint for app-initiated handoffs. Default: from the issuer's discovery document. */
    authorizationEndpoint?: string;
    /** Options of the transaction cookies app-initiated handoffs are bound with. */
    transactionCookieOptions?: TransactionCookieOptions;
}
/** Everything a handoff needs at request time, resolved once. */
export interface HandoffRuntime {
    readonly fn: string;
    readonly issuer: URL;
    readonly clientId: string;
    readonly session: SessionRuntime;
    readonly transactions: TransactionStore;
    readonly verify: Omit<VerifyCallConfig, 'appOrigin'>;
    readonly errorRedirect: (error: AuthErrorCode) => string;
    readonly onError: (info: HandoffErrorInfo) => void;
    readonly idpInitiated: 'accept' | 'reject';
    readonly sessionConflict: 'reject' | 'replace';
    readonly startPath: string;
    readonly redirectUri: string | undefined;
    readonly authorizationEndpoint: URL | undefined;
    readonly discovery: Discovery;
    readonly appInitiatedEnabled: boolean;
}
/** Validates the options once, at construction; every error names the option. */
export declare function resolveHandoffOptions(fn: string, options: HandoffOptions): HandoffRuntime;
