import type { Clock } from '../clock.js';
import type { AuthUser, SessionInfo } from '../types.js';
import type { CookieAttributes, CookieBatch } from './cookie-batch.js';
import type { Sealer } from './seal.js';
import { type ResolvedSessionOptions } from './session-options.js';
/** Tokens kept server-side, inside the sealed session: never sent to the browser in the clear. */
export interface TokenSet {
    readonly accessToken: string;
    readonly tokenType: string;
    /** Access-token expiry (ms since the epoch). */
    readonly expiresAt: number;
    readonly refreshToken?: string;
    readonly idToken?: string;
    readonly scope?: string;
}
/** Everything a session cookie holds. */
export interface SessionRecord {
    readonly id: string;
    readonly source: SessionInfo['source'];
    readonly user: AuthUser;
    /** Start of the session (ms): the absolute lifetime counts from here. */
    readonly createdAt: number;
    /** Last time the session was re-sealed (ms): the inactivity limit counts from here. */
    readonly touchedAt: number;
    readonly tokens?: TokenSet;
    /** The refresh-token family and the generation this cookie holds. */
    readonly family?: {
        readonly id: string;
        readonly generation: number;
    };
    /** The authorization server's view of the session, for back-channel logout. */
    readonly idp?: {
        readonly iss: string;
        readonly sub: string;
        readonly sid?: string;
    };
}
/** The outcome of reading the session cookie of a request. */
export type SessionRead = {
    readonly kind: 'none';
} | {
    readonly kind: 'invalid';
    readonly present: string[];
} | {
    readonly kind: 'valid';
    readonly record: SessionRecord;
    readonly expiresAt: number;
    readonly present: string[];
    /** Re-seal now: the rolling interval has passed or the cookie was sealed under an older secret. */
    readonly reseal: boolean;
    /** A slot that lives as long as this exact cookie value stays cached: callers memoize derived values here. */
    readonly memo: {
        value?: unknown;
    };
};
/** Reads and writes the sealed, possibly chunked, session cookie. */
export interface SessionCookie {
    /** The cookie name for an app served at `url`. */
    name(url: URL): string;
    /** Set-Cookie attributes (without Max-Age) for an app served at `url`. */
    attributes(url: URL): CookieAttributes;
    /**
     * Reads the session from a request's Cookie header. Never throws for a bad cookie. Answers
     * synchronously unless the cookie must be decrypted (first sight in this process).
     */
    read(cookieHeader: string | null, url: URL): SessionRead | Promise<SessionRead>;
    /** Seals `record` into the batch, deleting cookies of `present` it does not overwrite; returns the expiry. */
    write(batch: CookieBatch, url: URL, record: SessionRecord, present: readonly string[]): Promise<number>;
    /** Deletes every cookie of `present`. */
    clear(batch: CookieBatch, url: URL, present: readonly string[]): void;
    /** When a record expires: the earlier of the inactivity and the absolute limit. */
    expiryOf(record: Pick<SessionRecord, 'createdAt' | 'touchedAt'>): number;
}
/** Thrown by `write` when a session cannot be stored in cookies within the size budget. */
export declare class SessionTooLargeError extends Error {
    constructor();
}
/**
 * Creates the session cookie codec. The per-request path is built to do no avoidable work: a request
 * without the cookie costs one substring test; an unchanged cookie is decrypted once per process and
 * then found in a bounded cache keyed by its exact sealed value (equal strings are equal ciphertexts,
 * already authenticated), while expiry is still checked against the clock on every request.
 */
export declare function createSessionCookie(config: {
    options: ResolvedSessionOptions;
    sealer: Sealer;
    clock: Clock;
    cacheSize?: number;
}): SessionCookie;
