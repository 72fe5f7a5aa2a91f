import type { Cookies } from '@sveltejs/kit';
/** Attributes of one Set-Cookie, as SvelteKit's `cookies.set` takes them. */
export interface CookieAttributes {
    path: string;
    domain?: string;
    httpOnly?: boolean;
    secure?: boolean;
    sameSite?: 'strict' | 'lax' | 'none';
    maxAge?: number;
}
interface CookieWrite {
    name: string;
    value: string;
    attributes: CookieAttributes;
}
/**
 * The cookie writes of one request, collected before they are applied. SvelteKit adds cookies set
 * through `event.cookies` only to responses made by `resolve()` or to a thrown redirect; a hook that
 * answers with its own Response must serialize them itself (TOOLCHAIN.md). Collecting them first
 * lets one code path serve both.
 */
export declare class CookieBatch {
    readonly writes: CookieWrite[];
    set(name: string, value: string, attributes: CookieAttributes): void;
    delete(name: string, attributes: CookieAttributes): void;
    get size(): number;
    /** Hands the writes to SvelteKit, for a response that `resolve()` (or a load function) produces. */
    applyTo(cookies: Cookies): void;
    /** Appends the writes as Set-Cookie headers, for a Response the hook builds itself. */
    appendTo(headers: Headers, cookies: Cookies): void;
}
/**
 * A `Cookies` whose reads are the request's and whose writes go into `batch`, for components that
 * write through SvelteKit's cookie API (the TransactionStore) inside a hook that answers itself.
 */
export declare function batchedCookies(cookies: Cookies, batch: CookieBatch): Cookies;
export {};
