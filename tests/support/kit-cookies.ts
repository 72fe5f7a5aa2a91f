// SvelteKit's own cookie implementation (not a fake), loaded from its source, so unit tests exercise
// the exact `event.cookies` semantics the SDK meets in an app: later `get` sees earlier `set`, the
// `cookie` parser keeps the first duplicate, and Set-Cookie is serialized as Kit serializes it.
// @ts-expect-error -- internal module, not in Kit's exports map
import { get_cookies, add_cookies_to_headers } from '../../node_modules/@sveltejs/kit/src/runtime/server/cookie.js';
import type { Cookies } from '@sveltejs/kit';

export interface KitCookies {
	cookies: Cookies;
	/** The Set-Cookie header values Kit would send for this request. */
	setCookies(): string[];
}

export function kitCookies(url: string, cookieHeader = ''): KitCookies {
	const target = new URL(url);
	const request = new Request(target, { headers: cookieHeader ? { cookie: cookieHeader } : {} });
	const internal = get_cookies(request, target);
	internal.set_trailing_slash('never');
	return {
		cookies: internal.cookies as Cookies,
		setCookies() {
			const headers = new Headers();
			add_cookies_to_headers(headers, internal.new_cookies.values());
			return headers.getSetCookie();
		}
	};
}

/** A minimal browser cookie jar: applies Set-Cookie headers and builds the next Cookie header. */
export class CookieJar {
	readonly values = new Map<string, string>();

	apply(setCookies: string[]): void {
		for (const line of setCookies) {
			const [pair, ...attributes] = line.split(';');
			const index = pair.indexOf('=');
			const name = pair.slice(0, index).trim();
			const value = pair.slice(index + 1).trim();
			const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
			if (expired || value === '') this.values.delete(name);
			else this.values.set(name, value);
		}
	}

	header(): string {
		return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
	}
}
