import { misuse } from '../../errors.js';

// A returnTo longer than this is not a page of the app; it is an attempt to bloat the transaction
// cookie or a URL the browser would cut anyway.
const MAX_RETURN_TO_LENGTH = 2048;
// C0 and C1 controls: browsers strip tab and newline anywhere in a URL, so `/\t/evil.com` becomes
// `//evil.com` after a naive check has passed it (HackerOne #306414).
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// `//host` and `/\host` are protocol-relative to a browser (it treats `\` as `/` in special URLs),
// also with tabs, newlines or spaces between the two slashes.
const PROTOCOL_RELATIVE = /^[/\\][\u0000-\u0020\u007F]*[/\\]/;

/**
 * Turns a user-supplied `returnTo` / `redirectTo` into a redirect target on the application's own
 * origin: the ONLY way the SDK does so (RFC 9700 §4.11.1: clients must not expose open redirectors).
 *
 * The value is resolved with `new URL(value, origin)`; it is kept only when the result has the same
 * origin, and then only its path, query and fragment are returned, so the `Location` it becomes can
 * never name another host. Refused up front, landing on `fallback`: values over 2048 characters, any
 * control character, any backslash, leading whitespace. Refused after resolution: a path that is, or
 * after one percent-decoding would be, protocol-relative (`//evil.com`, `%2F%2Fevil.com`,
 * `%5C%5Cevil.com`), and percent-encoding that does not decode (it would crash a later decode).
 *
 * @param value The untrusted value (a query parameter, a form field), or null/undefined.
 * @param origin The application's configured origin (never the request's `Host`, row C14).
 * @param fallback Where to go instead; must itself be a same-origin absolute path.
 * @returns `pathname + search + hash`, always starting with exactly one `/`.
 * @throws {TypeError} `ERR_INVALID_ARGUMENT` when `origin` is not an http(s) URL or `fallback` is not
 * an absolute path — configuration mistakes, never caused by the untrusted `value`.
 *
 * @example
 * ```ts
 * safeReturnTo('/account?tab=keys#top', 'https://app.example.com'); // '/account?tab=keys#top'
 * safeReturnTo('https://app.example.com/a', 'https://app.example.com'); // '/a'
 * safeReturnTo('/\\evil.com', 'https://app.example.com'); // '/'
 * ```
 */
export function safeReturnTo(
	value: string | null | undefined,
	origin: string | URL,
	fallback = '/'
): string {
	const base = parseOrigin(origin);
	if (typeof fallback !== 'string' || !fallback.startsWith('/') || isUnsafe(fallback)) {
		throw misuse('ERR_INVALID_ARGUMENT', "safeReturnTo: fallback must be an absolute path such as '/'");
	}
	if (typeof value !== 'string' || value === '' || value.length > MAX_RETURN_TO_LENGTH) return fallback;
	if (CONTROL.test(value) || value.includes('\\') || /^\s/.test(value)) return fallback;

	let url: URL;
	try {
		url = new URL(value, base);
	} catch {
		return fallback;
	}
	if (url.origin !== base.origin) return fallback;
	const target = url.pathname + url.search + url.hash;
	// Percent-encoding can grow a value sixfold: the limit holds for what is emitted, too.
	return target.length > MAX_RETURN_TO_LENGTH || isUnsafe(target) ? fallback : target;
}

/**
 * The request's own URL as a same-origin `Location`, without the named query parameters: used to
 * strip one-time values (`handoff_token`, `state`, `code`) from the address bar with a redirect.
 *
 * Parameters are matched by their decoded name, as `url.searchParams` reads them (so
 * `handoff%5Ftoken` is removed too); every other parameter is kept byte for byte, in order. Leading
 * slashes of the path are collapsed to one, so a request for `//evil.example/` yields
 * `/evil.example/`, never a protocol-relative location.
 *
 * @param url The request URL (`event.url`).
 * @param remove Names of the query parameters to drop.
 * @returns `pathname + search + hash`, starting with exactly one `/`.
 *
 * @example
 * ```ts
 * cleanSelfUrl(new URL('https://app.example.com/docs?handoff_token=t&state=s&page=2'), ['handoff_token', 'state']);
 * // '/docs?page=2'
 * ```
 */
export function cleanSelfUrl(url: URL, remove: readonly string[]): string {
	const drop = new Set(remove);
	const kept: string[] = [];
	for (const pair of url.search.slice(1).split('&')) {
		if (pair === '') continue;
		// URLSearchParams decodes the name exactly as the handler that reads it will.
		const [name] = new URLSearchParams(pair).keys();
		if (name !== undefined && drop.has(name)) continue;
		kept.push(pair);
	}
	const pathname = url.pathname.replace(/^[/\\]+/, '/');
	return pathname + (kept.length > 0 ? `?${kept.join('&')}` : '') + url.hash;
}

function parseOrigin(origin: string | URL): URL {
	let base: URL;
	try {
		base = new URL(origin);
	} catch {
		throw misuse('ERR_INVALID_ARGUMENT', "safeReturnTo: origin must be an absolute http(s) URL such as 'https://app.example.com'");
	}
	if (base.protocol !== 'https:' && base.protocol !== 'http:') {
		throw misuse('ERR_INVALID_ARGUMENT', "safeReturnTo: origin must be an absolute http(s) URL such as 'https://app.example.com'");
	}
	// Resolve against the origin's root, not a path the caller happened to pass.
	return new URL(base.origin);
}

// A target is unsafe when a browser, or a server that decodes the path once more before redirecting
// (a trailing-slash redirect, a proxy), could read it as protocol-relative.
function isUnsafe(target: string): boolean {
	if (CONTROL.test(target) || PROTOCOL_RELATIVE.test(target)) return true;
	const end = target.search(/[?#]/);
	const pathname = end === -1 ? target : target.slice(0, end);
	let decoded: string;
	try {
		decoded = decodeURIComponent(pathname);
	} catch {
		return true;
	}
	return PROTOCOL_RELATIVE.test(decoded);
}
