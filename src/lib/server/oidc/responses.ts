import type { RequestEvent } from '@sveltejs/kit';
import type { CookieBatch } from '../../cookies/cookie-batch.js';
import type { AuthErrorCode } from '../../errors.js';
import { NO_STORE_HEADERS } from '../defaults.js';
import { safeReturnTo } from '../return-to.js';
import type { OidcRuntime } from './options.js';

/**
 * A 303 the hook answers itself, with its cookie writes as Set-Cookie headers (SvelteKit drops
 * `cookies.set` on a Response built without `resolve()`), `Cache-Control: no-store` and
 * `Referrer-Policy: no-referrer` (RFC 9700 §4.2.4, C15).
 */
export function seeOther(event: Pick<RequestEvent, 'cookies'>, location: string, batch: CookieBatch | null): Response {
	const headers = new Headers({ location, ...NO_STORE_HEADERS });
	batch?.appendTo(headers, event.cookies);
	return new Response(null, { status: 303, headers });
}

/** A plain-text answer with a fixed body: never a reflected parameter (C10). */
export function plain(event: Pick<RequestEvent, 'cookies'>, status: number, body: string, batch: CookieBatch | null = null, extra: Record<string, string> = {}): Response {
	const headers = new Headers({ 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...NO_STORE_HEADERS, ...extra });
	batch?.appendTo(headers, event.cookies);
	return new Response(body, { status, headers });
}

/** The error destination for `code`, on the app's origin whatever `errorRedirect` returns. */
export function errorLocation(runtime: OidcRuntime, event: { url: URL }, code: AuthErrorCode): string {
	let target: string;
	try {
		target = runtime.errorRedirect(code);
	} catch {
		target = `/login?error=${code}`;
	}
	return safeReturnTo(target, runtime.appOrigin(event), '/login');
}
