// Same-origin checks for requests that change state. SvelteKit's own CSRF check covers form content
// types only and is skipped in development (docs/SECURITY.md S9, S11), so the SDK decides for itself.

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * SvelteKit's CSRF rule, for apps that hand the check to `createAuthHandle({ checkOrigin: true })`:
 * SvelteKit 3's stricter form, where a body without a content type counts as a form submission too.
 */
export function isCrossSiteForm(request: Request, appOrigin: string): boolean {
	if (!UNSAFE_METHODS.includes(request.method)) return false;
	const header = request.headers.get('content-type');
	const type = (header ?? '').split(';', 1)[0].trim().toLowerCase();
	return (header === null || FORM_TYPES.includes(type)) && request.headers.get('origin') !== appOrigin;
}

/**
 * True when a state-changing request comes from the app's own pages: `Origin` must be the app's
 * origin (browsers send it on every POST), and a `Sec-Fetch-Site` other than `same-origin` is refused.
 */
export function isSameOrigin(request: Request, appOrigin: string): boolean {
	const origin = request.headers.get('origin');
	if (origin === null || origin !== appOrigin) return false;
	const site = request.headers.get('sec-fetch-site');
	return site === null || site === 'same-origin';
}
