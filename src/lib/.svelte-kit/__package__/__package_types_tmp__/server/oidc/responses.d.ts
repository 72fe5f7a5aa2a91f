import type { RequestEvent } from '@sveltejs/kit';
import type { CookieBatch } from '../../cookies/cookie-batch.js';
import type { AuthErrorCode } from '../../errors.js';
import type { OidcRuntime } from './options.js';
/**
 * A 303 the hook answers itself, with its cookie writes as Set-Cookie headers (SvelteKit drops
 * `cookies.set` on a Response built without `resolve()`), `Cache-Control: no-store` and
 * `Referrer-Policy: no-referrer` (RFC 9700 §4.2.4, C15).
 */
export declare function seeOther(event: Pick<RequestEvent, 'cookies'>, location: string, batch: CookieBatch | null): Response;
/** A plain-text answer with a fixed body: never a reflected parameter (C10). */
export declare function plain(event: Pick<RequestEvent, 'cookies'>, status: number, body: string, batch?: CookieBatch | null, extra?: Record<string, string>): Response;
/** The error destination for `code`, on the app's origin whatever `errorRedirect` returns. */
export declare function errorLocation(runtime: OidcRuntime, event: {
    url: URL;
}, code: AuthErrorCode): string;
