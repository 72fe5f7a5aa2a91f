import type { CookieAttributes, CookieBatch } from './cookie-batch.js';
/** What the request carried under one chunked cookie name. */
export interface ChunkedRead {
    /** The joined value, or null when absent or inconsistent. */
    value: string | null;
    /** Names of every cookie that belongs to this one (whole or chunk): the ones a rewrite must clear. */
    present: string[];
    /** Chunks out of sequence, a chunk beside a whole value, or too many chunks: treat as signed out. */
    inconsistent: boolean;
}
/**
 * Reads `name` whole, or joined from `name.0 … name.N`. A gap, an extra chunk, or a whole value next
 * to chunks (a stale cookie left from before the session grew) makes the read inconsistent: whatever
 * arrives is then never half-trusted (Auth.js cookie.ts; nextjs-auth0 #2009). Reordered or foreign
 * chunks need no check here: the joined JWE fails authentication.
 */
export declare function readChunked(cookies: ReadonlyMap<string, string>, name: string, maxChunks: number): ChunkedRead;
/**
 * Writes `value` whole when its Set-Cookie fits `maxSetCookieBytes`, otherwise in chunks that each
 * fit, and deletes every cookie of `present` the new value does not overwrite. Returns false (and
 * writes nothing) when the value would need more than `maxChunks` chunks.
 */
export declare function writeChunked(batch: CookieBatch, name: string, value: string, attributes: CookieAttributes, present: readonly string[], limits: {
    maxSetCookieBytes: number;
    maxChunks: number;
}): boolean;
/** Deletes every cookie of `present`. */
export declare function clearChunked(batch: CookieBatch, present: readonly string[], attributes: CookieAttributes): void;
