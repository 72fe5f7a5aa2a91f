import type { CookieAttributes } from './cookie-batch.js';

// The one place that decides every cookie the SDK writes: its name prefix and `Secure`. The session
// cookie, the handoff-result cookie and the TransactionStore's cookies all ask here; the attributes
// they start from are DEFAULTS.cookieAttributes.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * How `Secure` is decided when the app did not set it:
 * - `'app-url'` (session and handoff-result cookies): Secure for every app URL except plain http on a
 *   loopback host (`localhost`, `127.0.0.1`, `[::1]`), so local development works over http.
 * - `'configured-origin'` (the TransactionStore, seed 003): the configured origin's scheme decides;
 *   without an origin the attribute is left out and SvelteKit applies its own per-request default
 *   (Secure unless `http://localhost`).
 */
export type SecureRule = 'app-url' | 'configured-origin';

/** `Secure` for a cookie: the explicit choice, else the rule's default; undefined leaves it to SvelteKit. */
export function secureFor(explicit: boolean | undefined, url: URL | undefined, rule: SecureRule): boolean | undefined {
	if (explicit !== undefined) return explicit;
	if (url === undefined) return undefined;
	if (rule === 'configured-origin') return url.protocol === 'https:';
	return !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/**
 * A cookie name with the strongest prefix its attributes allow: `__Host-` (Secure, path `/`, no
 * domain: a sibling subdomain can neither set nor overwrite it, docs/SECURITY.md S5), else
 * `names.secure` when Secure (default `__Secure-<base>`), else `names.plain` (default `<base>`). The
 * TransactionStore keeps seed 003's `__txn_` for both of the latter.
 */
export function cookieName(
	base: string,
	attributes: Pick<CookieAttributes, 'secure' | 'path' | 'domain'>,
	names: { readonly plain?: string; readonly secure?: string } = {}
): string {
	if (attributes.secure !== true) return names.plain ?? base;
	if (attributes.domain === undefined && attributes.path === '/') return `__Host-${base}`;
	return names.secure ?? `__Secure-${base}`;
}

/** What a cookie name must satisfy for its prefix; null when it does. */
export function prefixViolation(name: string, attributes: Pick<CookieAttributes, 'secure' | 'path' | 'domain'>): string | null {
	const lower = name.toLowerCase();
	if ((lower.startsWith('__secure-') || lower.startsWith('__host-')) && attributes.secure !== true) return 'requires secure';
	if (lower.startsWith('__host-') && (attributes.path !== '/' || attributes.domain !== undefined)) return "requires path '/' and no domain";
	return null;
}

/** The request cookies whose names are `base` with or without a `__Host-` / `__Secure-` prefix, from a raw Cookie header. */
export function cookiesWithPrefix(header: string, base: string): Map<string, string> {
	const found = new Map<string, string>();
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq === -1) continue;
		const name = part.slice(0, eq).trim();
		const bare = name.startsWith('__Host-') ? name.slice(7) : name.startsWith('__Secure-') ? name.slice(9) : name;
		if (bare.startsWith(base)) found.set(name, part.slice(eq + 1).trim());
	}
	return found;
}
