import type { RequestEvent } from '@sveltejs/kit';
import { type Clock } from '../clock.js';
import { type HandoffResultCookie } from '../cookies/handoff-result-cookie.js';
import { type SessionCookie, type SessionRecord } from '../cookies/session-cookie.js';
import { type SessionOptions } from '../cookies/session-options.js';
import { type SecretOption } from '../crypto/secret.js';
import type { SignedInAuth } from './auth-context.js';
/** Options every hook that reads or writes the session shares. */
export interface SessionRuntimeOptions {
    /** Secret(s) for sealing cookies, at least 32 bytes; the first seals, all open. Default: `AUTH_SECRET`. */
    secret?: SecretOption;
    /** Session cookie options (seed 001's `sessionOptions`). */
    sessionOptions?: SessionOptions;
    /**
     * The app's public origin (`https://app.example.com`). Redirects and cookie attributes use it, never
     * the request's `Host` or `X-Forwarded-*` headers. Default: the request URL's origin.
     */
    origin?: string;
    /** Injected clock (ms since the epoch), for tests. */
    clock?: Clock;
}
/** What a hook built from {@link SessionRuntimeOptions} needs at request time. */
export interface SessionRuntime {
    readonly clock: Clock;
    readonly session: SessionCookie;
    /** The short-lived cookie that carries a handoff's outcome across its 303. */
    readonly handoffResult: HandoffResultCookie;
    readonly origin: URL | undefined;
    /** The app URL of this request: the configured origin with the request's path and query. */
    appUrl(event: Pick<RequestEvent, 'url'>): URL;
    /** The signed-in value of `locals.auth` for a record. */
    toAuth(record: SessionRecord, expiresAt: number, carryOverState?: Record<string, unknown> | null): SignedInAuth;
}
export declare function parseOrigin(fn: string, origin: string | undefined): URL | undefined;
/** Validates the shared options once, derives the keys once. */
export declare function createSessionRuntime(fn: string, options: SessionRuntimeOptions): SessionRuntime;
