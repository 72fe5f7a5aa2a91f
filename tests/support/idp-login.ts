// Drives the dev IdP's devInteractions sign-in over real HTTP, the way a browser would, for tests
// that need an authorization code or an IdP session without a browser.

/**
 * What {@link signInAtIdp} needs of a cookie jar. `url` is the request URL, for path and host
 * scoping; the path-less `CookieJar` of `tests/support/kit-cookies.ts` also fits (it ignores it).
 */
export interface CookieJarLike {
	apply(setCookies: string[], url?: string): void;
	header(url?: string): string;
}

interface StoredCookie {
	name: string;
	value: string;
	host: string;
	path: string;
	expiresAt: number | null;
}

/**
 * A small browser-like cookie jar: cookies are scoped by host (not port, as in browsers: RFC 6265
 * §8.5) and path, replaced by name+host+path, dropped when expired or deleted. Enough for
 * oidc-provider's `_interaction` (path `/interaction/<uid>`), `_interaction_resume` (path
 * `/auth/<uid>`) and `_session` cookies.
 */
export class BrowserCookieJar implements CookieJarLike {
	readonly #cookies: StoredCookie[] = [];

	apply(setCookies: string[], url = 'http://127.0.0.1/'): void {
		const target = new URL(url);
		for (const line of setCookies) {
			const [pair, ...attributes] = line.split(';');
			const eq = pair.indexOf('=');
			if (eq <= 0) continue;
			const cookie: StoredCookie = {
				name: pair.slice(0, eq).trim(),
				value: pair.slice(eq + 1).trim(),
				host: target.hostname,
				path: defaultPath(target.pathname),
				expiresAt: null
			};
			for (const attribute of attributes) {
				const [rawName, ...rest] = attribute.split('=');
				const name = rawName.trim().toLowerCase();
				const value = rest.join('=').trim();
				if (name === 'path' && value.startsWith('/')) cookie.path = value;
				else if (name === 'max-age' && /^-?\d+$/.test(value)) cookie.expiresAt = Date.now() + Number(value) * 1000;
				else if (name === 'expires' && cookie.expiresAt === null) {
					const time = Date.parse(value);
					if (!Number.isNaN(time)) cookie.expiresAt = time;
				}
			}
			const index = this.#cookies.findIndex(
				(c) => c.name === cookie.name && c.host === cookie.host && c.path === cookie.path
			);
			if (index !== -1) this.#cookies.splice(index, 1);
			if (cookie.expiresAt === null || cookie.expiresAt > Date.now()) this.#cookies.push(cookie);
		}
	}

	header(url = 'http://127.0.0.1/'): string {
		const target = new URL(url);
		const now = Date.now();
		return this.#cookies
			.filter((c) => c.host === target.hostname && pathMatches(target.pathname, c.path))
			.filter((c) => c.expiresAt === null || c.expiresAt > now)
			// Longer paths first, as browsers send them (RFC 6265 §5.4).
			.sort((a, b) => b.path.length - a.path.length)
			.map((c) => `${c.name}=${c.value}`)
			.join('; ');
	}

	/** The value of a cookie sent to `url`, if any. */
	get(name: string, url = 'http://127.0.0.1/'): string | undefined {
		for (const pair of this.header(url).split('; ')) {
			const eq = pair.indexOf('=');
			if (pair.slice(0, eq) === name) return pair.slice(eq + 1);
		}
		return undefined;
	}
}

function defaultPath(pathname: string): string {
	const slash = pathname.lastIndexOf('/');
	return slash <= 0 ? '/' : pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
	if (requestPath === cookiePath) return true;
	if (!requestPath.startsWith(cookiePath)) return false;
	return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * `fetch` with the jar: sends its cookies, stores the response's Set-Cookie, never follows redirects
 * (the caller sees every 3xx and its `Location`).
 */
export async function fetchWithJar(jar: CookieJarLike, url: string, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	const cookie = jar.header(url);
	if (cookie) headers.set('cookie', cookie);
	const response = await fetch(url, { ...init, headers, redirect: 'manual' });
	jar.apply(response.headers.getSetCookie(), url);
	return response;
}

const MAX_HOPS = 12;

/**
 * Signs in at the dev IdP: follows the authorization request through devInteractions (submitting the
 * login form with `login` and any password, and the consent form if one appears) and returns the
 * final redirect to the client's `redirect_uri` without following it. With an IdP session already
 * in `jar`, no form is shown and the redirect comes at once. The jar ends up holding the IdP session.
 *
 * @throws Error when the IdP answers anything but redirects and its own forms (an invalid client or
 * redirect_uri renders an error page), or when the flow does not reach `redirect_uri`.
 */
export async function signInAtIdp(
	authorizationUrl: string,
	options: { login?: string; password?: string; otp?: string; jar?: CookieJarLike; redirectUri?: string } = {}
): Promise<{ callbackUrl: string; jar: CookieJarLike }> {
	const jar = options.jar ?? new BrowserCookieJar();
	const login = options.login ?? 'alice';
	const start = new URL(authorizationUrl);
	// A pushed authorization request (RFC 9126) leaves only client_id and request_uri in the URL.
	const redirectUri = start.searchParams.get('redirect_uri') ?? options.redirectUri ?? null;
	if (redirectUri === null) throw new Error('signInAtIdp: the authorization URL has no redirect_uri');
	const callbackBase = new URL(redirectUri);

	let url = start.href;
	let init: RequestInit = {};
	for (let hop = 0; hop < MAX_HOPS; hop++) {
		const response = await fetchWithJar(jar, url, init);
		init = {};
		const location = response.headers.get('location');
		if (response.status >= 300 && response.status < 400 && location) {
			const next = new URL(location, url);
			if (next.origin === callbackBase.origin && next.pathname === callbackBase.pathname) {
				await response.body?.cancel();
				return { callbackUrl: next.href, jar };
			}
			await response.body?.cancel();
			url = next.href;
			continue;
		}
		const html = response.status === 200 ? await response.text() : '';
		const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html)?.[1];
		const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
		if (!action || !prompt) {
			throw new Error(`signInAtIdp: unexpected ${response.status} from the IdP at ${new URL(url).pathname}`);
		}
		const form = new URLSearchParams({ prompt });
		if (prompt === 'login') {
			form.set('login', login);
			form.set('password', options.password ?? 'any-password');
			if (options.otp !== undefined) form.set('otp', options.otp);
		}
		url = new URL(action.replace(/&amp;/g, '&'), url).href;
		init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
	}
	throw new Error(`signInAtIdp: no redirect to the client after ${MAX_HOPS} steps`);
}

/**
 * RP-initiated logout at the dev IdP: opens `endSessionUrl` (carrying `id_token_hint` or `client_id`,
 * `post_logout_redirect_uri`, `state`), confirms the sign-out form and returns where the IdP then
 * sends the browser, without following it. Back-channel logout requests go out during the confirm.
 */
export async function signOutAtIdp(endSessionUrl: string, options: { jar: CookieJarLike }): Promise<{ redirectUrl: string }> {
	const { jar } = options;
	const page = await fetchWithJar(jar, endSessionUrl);
	const html = await page.text();
	const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html)?.[1];
	const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
	if (page.status !== 200 || !action || !xsrf) {
		throw new Error(`signOutAtIdp: unexpected ${page.status} from the IdP's end_session endpoint`);
	}
	const confirm = await fetchWithJar(jar, new URL(action.replace(/&amp;/g, '&'), endSessionUrl).href, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ xsrf, logout: 'yes' })
	});
	const location = confirm.headers.get('location');
	await confirm.body?.cancel();
	if (confirm.status < 300 || confirm.status >= 400 || !location) {
		throw new Error(`signOutAtIdp: the confirm step answered ${confirm.status}`);
	}
	return { redirectUrl: new URL(location, endSessionUrl).href };
}
