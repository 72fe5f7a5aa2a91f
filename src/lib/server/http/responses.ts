import type { RequestEvent } from '@sveltejs/kit';
import type { CookieBatch } from '../../cookies/cookie-batch.js';
import { DEFAULTS, NO_STORE_HEADERS } from '../../defaults.js';
import type { AuthErrorCode } from '../../errors.js';
import { safeReturnTo } from './return-to.js';

// Every answer the SDK builds itself. A hook that answers without resolve() must append its cookie
// writes as Set-Cookie headers: SvelteKit drops `cookies.set` on such a Response (docs/SVELTEKIT-FACTS.md).

/**
 * A 303 with its cookie writes, `Cache-Control: no-store` and `Referrer-Policy: no-referrer`
 * (RFC 9700 §4.2.4, docs/SECURITY.md C15).
 */
export function seeOther(event: Pick<RequestEvent, 'cookies'>, location: string, batch: CookieBatch | null): Response {
	const headers = new Headers({ location, ...NO_STORE_HEADERS });
	batch?.appendTo(headers, event.cookies);
	return new Response(null, { status: 303, headers });
}

/** A plain-text answer with a fixed body: never a reflected parameter (C10). */
export function plain(
	event: Pick<RequestEvent, 'cookies'>,
	status: number,
	body: string,
	batch: CookieBatch | null = null,
	extra: Record<string, string> = {}
): Response {
	const headers = new Headers({ 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...NO_STORE_HEADERS, ...extra });
	batch?.appendTo(headers, event.cookies);
	return new Response(body, { status, headers });
}

/**
 * Where a failure with `code` sends the browser: the app's `errorRedirect(code)`, kept on the app's
 * origin; a target off the origin, or a throwing `errorRedirect`, lands on the default error page.
 */
export function errorLocation(errorRedirect: (code: AuthErrorCode) => string, origin: string, code: AuthErrorCode): string {
	const fallback = DEFAULTS.auth.errorRedirect;
	let target: string;
	try {
		target = errorRedirect(code);
	} catch {
		target = fallback;
	}
	return safeReturnTo(target, origin, fallback);
}

/**
 * Marks a response that carries a session Set-Cookie as not storable, so no shared cache replays
 * one user's cookie to another (CVE-2025-48947). Responses with immutable headers are copied.
 */
export function withNoStore(response: Response): Response {
	try {
		response.headers.set('cache-control', NO_STORE_HEADERS['cache-control']);
		return response;
	} catch {
		const copy = new Response(response.body, response);
		copy.headers.set('cache-control', NO_STORE_HEADERS['cache-control']);
		return copy;
	}
}
