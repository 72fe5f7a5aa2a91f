import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

// Bridges Node's http objects to the Fetch API Request → Response handlers of sveltekit-sso/provider.

/**
 * Builds a Fetch `Request` from a Node request. The URL is resolved against the configured `origin`,
 * never the `Host` header (row C14). The body is streamed, not buffered, so the handler's own size
 * cap decides how much is read.
 */
export function toWebRequest(req: IncomingMessage, origin: string): Request {
	const headers = new Headers();
	for (const [name, value] of Object.entries(req.headers)) {
		if (value === undefined) continue;
		if (Array.isArray(value)) for (const item of value) headers.append(name, item);
		else headers.set(name, value);
	}
	const method = req.method ?? 'GET';
	const hasBody = method !== 'GET' && method !== 'HEAD';
	return new Request(new URL(req.url ?? '/', origin), {
		method,
		headers,
		...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {})
	} as RequestInit);
}

/** Writes a Fetch `Response` to a Node response, keeping every Set-Cookie header separate. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
	res.statusCode = response.status;
	for (const [name, value] of response.headers) {
		if (name === 'set-cookie') continue;
		res.setHeader(name, value);
	}
	const cookies = response.headers.getSetCookie();
	if (cookies.length > 0) res.setHeader('set-cookie', cookies);
	const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
	res.end(body);
}

/** Serves one request with a Fetch handler; an exception becomes a bare 500 (never its message). */
export async function serveWebHandler(
	handler: (request: Request) => Promise<Response>,
	req: IncomingMessage,
	res: ServerResponse,
	origin: string
): Promise<void> {
	let response: Response;
	try {
		response = await handler(toWebRequest(req, origin));
	} catch {
		response = new Response('{"error":"server_error"}', {
			status: 500,
			headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
		});
	}
	await sendWebResponse(res, response);
}
