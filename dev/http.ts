import type { IncomingMessage, ServerResponse } from 'node:http';

// Small response helpers for the dev IdP's own pages (the portal, sign-in, handoff redirects).

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** A 303 that keeps the one-time values it carries out of caches and Referer headers (rows H1, C15). */
export function redirect303(res: ServerResponse, location: string): void {
	res.writeHead(303, { location, ...NO_STORE, 'referrer-policy': 'no-referrer', 'content-length': '0' });
	res.end();
}

/** A plain-text error: nothing from the request is echoed (row C10). */
export function sendText(res: ServerResponse, status: number, text: string): void {
	res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE, 'x-content-type-options': 'nosniff' });
	res.end(text);
}

/** Headers of every dev IdP page besides its Content-Security-Policy. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
	'x-frame-options': 'DENY',
	'x-content-type-options': 'nosniff',
	// same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the portal's own
	// "Open App" form, which its CSRF check then refuses.
	'referrer-policy': 'same-origin'
};

export function sendHtml(res: ServerResponse, html: string, csp: string, status = 200): void {
	res.writeHead(status, {
		'content-type': 'text/html; charset=utf-8',
		...NO_STORE,
		'content-security-policy': csp,
		...PAGE_HEADERS
	});
	res.end(html);
}

export function escapeHtml(value: string): string {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `maxBytes`. null for another content
 * type, a larger body, or a parameter that appears twice.
 */
export async function readForm(req: IncomingMessage, maxBytes: number): Promise<Map<string, string> | null> {
	const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (type !== 'application/x-www-form-urlencoded') return null;
	const chunks: Buffer[] = [];
	let total = 0;
	for await (const chunk of req) {
		total += (chunk as Buffer).length;
		if (total > maxBytes) return null;
		chunks.push(chunk as Buffer);
	}
	return singleValued(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

/** The parameters as a map, or null when any name appears more than once (row C4). */
export function singleValued(params: URLSearchParams): Map<string, string> | null {
	const map = new Map<string, string>();
	for (const [name, value] of params) {
		if (map.has(name)) return null;
		map.set(name, value);
	}
	return map;
}
