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
 * answers with its own Response must serialize them itself (docs/SVELTEKIT-FACTS.md §1). Collecting them first
 * lets one code path serve both.
 */
export class CookieBatch {
	readonly writes: CookieWrite[] = [];

	set(name: string, value: string, attributes: CookieAttributes): void {
		this.writes.push({ name, value, attributes });
	}

	delete(name: string, attributes: CookieAttributes): void {
		this.writes.push({ name, value: '', attributes: { ...attributes, maxAge: 0 } });
	}

	get size(): number {
		return this.writes.length;
	}

	/** Hands the writes to SvelteKit, for a response that `resolve()` (or a load function) produces. */
	applyTo(cookies: Cookies): void {
		for (const { name, value, attributes } of this.writes) cookies.set(name, value, attributes);
	}

	/** Appends the writes as Set-Cookie headers, for a Response the hook builds itself. */
	appendTo(headers: Headers, cookies: Cookies): void {
		for (const { name, value, attributes } of this.writes) {
			headers.append('set-cookie', cookies.serialize(name, value, attributes));
		}
	}
}

/**
 * A `Cookies` whose reads are the request's and whose writes go into `batch`, for components that
 * write through SvelteKit's cookie API (the TransactionStore) inside a hook that answers itself.
 */
export function batchedCookies(cookies: Cookies, batch: CookieBatch): Cookies {
	return {
		get: (name, opts) => cookies.get(name, opts),
		getAll: (opts) => cookies.getAll(opts),
		set: (name, value, attributes) => batch.set(name, value, attributes as CookieAttributes),
		delete: (name, attributes) => batch.delete(name, attributes as CookieAttributes),
		serialize: (name, value, attributes) => cookies.serialize(name, value, attributes)
	} as Cookies;
}
