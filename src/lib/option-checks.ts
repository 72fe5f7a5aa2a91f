import { misuse, type AuthErrorCode } from './errors.js';
import { isDevelopment, warnOnce } from './environment.js';

// The one vocabulary every public entry (hooks, stores, the rotation) validates its options with, so a
// rule cannot differ between two of them. Each check runs once, at construction, and throws a TypeError (`ERR_INVALID_OPTION`)
// whose message names the function and the option.

function invalid(fn: string, name: string, rule: string): never {
	throw misuse('ERR_INVALID_OPTION', `${fn}: options.${name} ${rule}`);
}

/** The options argument itself. */
export function optionsObject<T>(fn: string, options: T): T & object {
	if (!options || typeof options !== 'object') throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	return options as T & object;
}

/** A required non-empty string. */
export function requiredString(fn: string, name: string, value: unknown): string {
	if (typeof value !== 'string' || value === '') invalid(fn, name, 'is required');
	return value;
}

/** An optional non-empty string. */
export function optionalString(fn: string, name: string, value: unknown): string | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'string' || value === '') invalid(fn, name, 'must be a non-empty string');
	return value;
}

/** A path the SDK serves or matches: starts with one `/`, no query, fragment, backslash or space. */
export function pathOption(fn: string, name: string, value: unknown, fallback: string): string {
	const v = value ?? fallback;
	if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s?#]/.test(v)) {
		invalid(fn, name, "must be a path starting with '/' (no query, no fragment)");
	}
	return v;
}

/** A same-origin destination: a path with an optional query, never protocol-relative. */
export function destinationOption(fn: string, name: string, value: unknown, fallback: string): string {
	const v = value ?? fallback;
	if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || /[\\\s]/.test(v)) {
		invalid(fn, name, "must be a same-origin path starting with '/'");
	}
	return v;
}

/**
 * Turns an `errorRedirect` option into `(code) => path`. A string is checked as a destination and gets
 * `?error=<code>` appended, unless it already names its error (`'/login?error=handoff_failed'`).
 */
export function errorRedirectOption(fn: string, value: unknown, fallback: string): (code: AuthErrorCode) => string {
	if (typeof value === 'function') return value as (code: AuthErrorCode) => string;
	const base = destinationOption(fn, 'errorRedirect', value, fallback);
	if (/[?&]error=/.test(base)) return () => base;
	return (code) => `${base}${base.includes('?') ? '&' : '?'}error=${code}`;
}

/** A duration in milliseconds: finite, not negative, and not zero unless `allowZero`. */
export function durationMs(fn: string, name: string, value: unknown, fallback: number, { allowZero = false } = {}): number {
	const v = value ?? fallback;
	if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
		invalid(fn, name, `must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
	}
	return Math.floor(v);
}

/** An integer of at least `min` (a count, or milliseconds held as an integer). */
export function integerOption(fn: string, name: string, value: unknown, fallback: number, min: 0 | 1): number {
	const v = value ?? fallback;
	if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) invalid(fn, name, `must be a ${min === 1 ? 'positive' : 'non-negative'} integer`);
	return v;
}

/** An optional boolean. */
export function booleanOption(fn: string, name: string, value: unknown, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	if (typeof value !== 'boolean') invalid(fn, name, 'must be a boolean');
	return value;
}

/** An optional function. */
export function functionOption<F extends (...args: never[]) => unknown>(fn: string, name: string, value: unknown, fallback: F): F;
export function functionOption<F extends (...args: never[]) => unknown>(fn: string, name: string, value: unknown): F | undefined;
export function functionOption<F extends (...args: never[]) => unknown>(fn: string, name: string, value: unknown, fallback?: F): F | undefined {
	if (value === undefined) return fallback;
	if (typeof value !== 'function') invalid(fn, name, 'must be a function');
	return value as F;
}

/** One of a closed set of strings. */
export function oneOf<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
	if (value === undefined) return fallback;
	if (!allowed.includes(value as T)) invalid(fn, name, `must be ${allowed.map((a) => `'${a}'`).join(' or ')}`);
	return value as T;
}

/** An optional absolute URL. */
export function absoluteUrl(fn: string, name: string, value: unknown): URL | undefined {
	if (value === undefined) return undefined;
	try {
		return new URL(value as string);
	} catch {
		invalid(fn, name, 'must be an absolute URL');
	}
}

/** The app's public origin (scheme, host, port and nothing else). */
export function originOption(fn: string, value: unknown): URL | undefined {
	if (value === undefined) return undefined;
	let url: URL;
	try {
		url = new URL(value as string);
	} catch {
		invalid(fn, 'origin', 'must be an absolute URL such as https://app.example.com');
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== String(value).replace(/\/$/, '')) {
		invalid(fn, 'origin', 'must be an origin only (scheme, host, port), such as https://app.example.com');
	}
	return url;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a loopback host: the only plain-http peers the SDK accepts outside development. */
export function isLoopback(url: URL): boolean {
	return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * The one rule for `allowInsecureRequests`: a boolean; with it an `http:` URL is allowed and a warning
 * is printed once; in production only a loopback host may be reached over plain http, because a
 * remote one would carry the client secret, codes and tokens in clear text.
 */
export function insecureRequestsOption(fn: string, value: unknown): boolean {
	return booleanOption(fn, 'allowInsecureRequests', value, false);
}

/**
 * An URL the SDK calls on the server side (the issuer, a verify endpoint): https, or http under the
 * `allowInsecureRequests` rule above. `name` is the option the URL came from.
 */
export function serverUrlOption(fn: string, name: string, url: URL, allowInsecureRequests: boolean): URL {
	if (url.protocol === 'https:') return url;
	if (url.protocol !== 'http:') invalid(fn, name, 'must use https');
	if (!allowInsecureRequests) invalid(fn, name, 'must use https (set options.allowInsecureRequests only for a local development server)');
	if (!isDevelopment() && !isLoopback(url)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.allowInsecureRequests is for a local development issuer only (got ${url.origin} in production)`);
	}
	warnOnce(`${fn}:insecure:${url.origin}`, `${fn}: options.allowInsecureRequests is on: talking to ${url.origin} over plain http. Development only — never in production.`);
	return url;
}

/** The issuer: an absolute URL without query or fragment, under {@link serverUrlOption}'s rule. */
export function issuerOption(fn: string, value: unknown, allowInsecureRequests: boolean): URL {
	const issuer = requiredString(fn, 'issuer', value);
	let url: URL;
	try {
		url = new URL(issuer);
	} catch {
		invalid(fn, 'issuer', 'must be an absolute URL');
	}
	if (url.search || url.hash) invalid(fn, 'issuer', 'must not have a query or fragment');
	return serverUrlOption(fn, 'issuer', url, allowInsecureRequests);
}
