// The fake authorization server of oidc-fake-as.ts behind a real HTTP server on loopback, made to
// misbehave per endpoint the ways a real one does: gone (the connection dropped without an answer),
// slow (no answer before the app's timeout), 5xx, an HTML page, JSON that does not parse. The app
// under test uses the real `fetch` over a socket, so every fault travels the code path it would in
// production (undici's errors, AbortSignal.timeout, oauth4webapi's and jose's body handling).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createFakeAs, generateSigningKey, type FakeAs, type SigningKey } from './oidc-fake-as.js';

// One RSA key for every fault server of a test file: generating one costs ~150 ms, and the tests
// give each case a server of its own.
let signingKey: Promise<SigningKey> | undefined;

/** The endpoints a fault can be put on (`token` is the code exchange, `refresh` the refresh_token grant). */
export type Endpoint = 'discovery' | 'token' | 'refresh' | 'userinfo' | 'revocation' | 'jwks';

/**
 * - `down`: the connection is accepted and dropped without an answer (a crashed upstream, a reset).
 * - `slow`: no answer until long after the app's `timeoutMs`.
 * - `5xx`: 503 with an HTML body, as a proxy in front of a dead server answers.
 * - `html`: 200 with an HTML page (a captive portal, a login page, a misrouted path).
 * - `garbage`: 200 `application/json` whose body does not parse.
 * - `stall`: 200 headers at once, then a body that never ends.
 * - `bare400`: 400 with an empty body (Glewlwyd refuses a spent refresh token this way).
 * - `client401`: 401 `{"error":"invalid_client"}` with `WWW-Authenticate: Basic` (RFC 6749 §5.2).
 * - `bare401`: 401 with an empty body.
 */
export type Fault = Misbehaviour | Refusal;

/** A server that fails to give a usable answer at all. */
export type Misbehaviour = 'down' | 'slow' | '5xx' | 'html' | 'garbage' | 'stall';

/** A refusal that says whose fault it is by its status, with or without an RFC 6749 §5.2 body. */
export type Refusal = 'bare400' | 'client401' | 'bare401';
export const REFUSALS: readonly Refusal[] = ['bare400', 'client401', 'bare401'];

export const FAULTS: readonly Exclude<Misbehaviour, 'stall'>[] = ['down', 'slow', '5xx', 'html', 'garbage'];

export interface FaultAsServer {
	readonly as: FakeAs;
	readonly issuer: string;
	/** Faults by endpoint, read per request; delete one (or `clear()`) to behave again. */
	readonly faults: Map<Endpoint, Fault>;
	/** Requests that reached each endpoint (faulty or not). */
	readonly hits: Record<Endpoint, number>;
	clear(): void;
	readonly listening: boolean;
	/** Stops listening: the port refuses connections (the whole server down). */
	stop(): Promise<void>;
	/** Listens again on the same port. */
	start(): Promise<void>;
	close(): Promise<void>;
}

/** Starts the server; the fake AS behind it mints access tokens of `accessTokenTtl` seconds (60). */
export async function startFaultAs(options: { metadata?: Record<string, unknown>; accessTokenTtl?: number; slowMs?: number } = {}): Promise<FaultAsServer> {
	const faults = new Map<Endpoint, Fault>();
	const hits: Record<Endpoint, number> = { discovery: 0, token: 0, refresh: 0, userinfo: 0, revocation: 0, jwks: 0 };
	const sockets = new Set<Socket>();
	const slowMs = options.slowMs ?? 30_000;
	let as: FakeAs | undefined;

	const server = createServer((req, res) => void serve(req, res));
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await listen(0);
	const port = (server.address() as AddressInfo).port;
	const issuer = `http://127.0.0.1:${port}`;
	as = await createFakeAs({ issuer, clientId: 'app', signingKey: await (signingKey ??= generateSigningKey()), ...(options.accessTokenTtl === undefined ? {} : { accessTokenTtl: options.accessTokenTtl }), ...(options.metadata ? { metadata: options.metadata } : {}) });

	function listen(on: number): Promise<void> {
		return new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(on, '127.0.0.1', () => (server.off('error', reject), resolve()));
		});
	}

	async function serve(req: IncomingMessage, res: ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks);
		const url = new URL(req.url ?? '/', issuer);
		const endpoint = endpointOf(url.pathname, body);
		if (endpoint) hits[endpoint]++;
		const fault = endpoint ? faults.get(endpoint) : undefined;
		switch (fault) {
			case 'down':
				return req.socket.destroy();
			case 'slow': {
				// Answers (too late) unless the client gave up first.
				const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), slowMs);
				res.on('close', () => clearTimeout(timer));
				return;
			}
			case '5xx':
				return res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
			case 'html':
				return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Please sign in to the network</body></html>');
			case 'garbage':
				return res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "at-garbage", "token_type": "Bear');
			case 'stall':
				res.writeHead(200, { 'content-type': 'application/json' });
				return res.write('{"access_token": ');
			case 'bare400':
				return res.writeHead(400).end();
			case 'client401':
				return res
					.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' })
					.end('{"error":"invalid_client","error_description":"client authentication failed"}');
			case 'bare401':
				return res.writeHead(401).end();
		}
		const headers = new Headers();
		for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
		const method = req.method ?? 'GET';
		const response = await as!.fetch(url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) });
		res.writeHead(response.status, Object.fromEntries(response.headers));
		res.end(Buffer.from(await response.arrayBuffer()));
	}

	return {
		as,
		issuer,
		faults,
		hits,
		clear: () => faults.clear(),
		get listening() {
			return server.listening;
		},
		async stop() {
			const closed = new Promise((resolve) => server.close(resolve));
			for (const socket of sockets) socket.destroy();
			await closed;
		},
		start: () => listen(port),
		async close() {
			if (!server.listening) return;
			const closed = new Promise((resolve) => server.close(resolve));
			for (const socket of sockets) socket.destroy();
			await closed;
		}
	};
}

function endpointOf(path: string, body: Buffer): Endpoint | undefined {
	switch (path) {
		case '/.well-known/openid-configuration':
			return 'discovery';
		case '/token':
			return new URLSearchParams(body.toString()).get('grant_type') === 'refresh_token' ? 'refresh' : 'token';
		case '/userinfo':
			return 'userinfo';
		case '/revoke':
			return 'revocation';
		case '/jwks':
			return 'jwks';
		default:
			return undefined;
	}
}
