import { NO_STORE_HEADERS } from './defaults.js';

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
