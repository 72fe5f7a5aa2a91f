// One fake RequestEvent and one test secret for unit tests that drive a handle or a route function
// directly (not through sequence(), which needs Kit's request store). Cookies are SvelteKit's own
// implementation (kit-cookies.ts), so reads, writes and serialization are exactly Kit's.
import type { RequestEvent } from '@sveltejs/kit';
import { kitCookies, type KitCookies } from './kit-cookies.js';

/** The secret every unit test seals with (32+ bytes), unless a test is about secrets. */
export const TEST_SECRET = 'unit-test-secret-unit-test-secret-000001';
/** A second secret, for rotation and wrong-secret cases. */
export const OTHER_SECRET = 'unit-test-secret-unit-test-secret-000002';

export interface FakeEventInit {
	method?: string;
	headers?: HeadersInit;
	/** The raw Cookie header the request carries. */
	cookie?: string;
	body?: BodyInit | null;
	locals?: Record<PropertyKey, unknown>;
	/** SvelteKit's tracing object, for trace-scrub tests. */
	tracing?: unknown;
}

export type FakeEvent = RequestEvent & { kit: KitCookies; headersSet: Record<string, string> };

/** A RequestEvent for `url` with Kit's cookies; `kit.setCookies()` lists what Kit would send. */
export function fakeEvent(url: string, init: FakeEventInit = {}): FakeEvent {
	const headers = new Headers(init.headers);
	if (init.cookie) headers.set('cookie', init.cookie);
	const request = new Request(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined || init.body === null ? {} : { body: init.body }) });
	const kit = kitCookies(url, init.cookie ?? '');
	const headersSet: Record<string, string> = {};
	return {
		url: new URL(url),
		request,
		cookies: kit.cookies,
		locals: init.locals ?? {},
		params: {},
		route: { id: null },
		setHeaders: (h: Record<string, string>) => {
			for (const [k, v] of Object.entries(h)) {
				if (k.toLowerCase() in headersSet) throw new Error(`"${k}" header is already set`);
				headersSet[k.toLowerCase()] = v;
			}
		},
		...(init.tracing === undefined ? {} : { tracing: init.tracing }),
		kit,
		headersSet
	} as unknown as FakeEvent;
}
