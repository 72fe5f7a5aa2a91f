// A real Smart Handoff verify endpoint on loopback for unit tests of the app side: it answers every
// POST with a grant for `user` and counts the calls, so a test can prove a request made none.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VerifyServer {
	/** Use as `issuer` (the default verify path is resolved against it). */
	readonly issuer: string;
	/** Verify calls received so far. */
	calls(): number;
	/** The user id the next grants name. */
	user: string;
	/** Whether the next grants carry a refresh token (the app then registers a refresh-token family). */
	refreshToken: boolean;
	close(): Promise<void>;
}

export async function startVerifyServer(user = 'u1', options: { refreshToken?: boolean } = {}): Promise<VerifyServer> {
	let calls = 0;
	const state = { user, refreshToken: options.refreshToken ?? false };
	const server = createServer((req, res) => {
		calls++;
		req.resume();
		req.on('end', () => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					token_type: 'Bearer',
					access_token: `at-${calls}`,
					expires_in: 60,
					...(state.refreshToken ? { refresh_token: `rt-${calls}-${crypto.randomUUID()}` } : {}),
					user: { id: state.user },
					session: { id: `s${calls}`, expiresAt: new Date(Date.now() + 60_000).toISOString() }
				})
			);
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		calls: () => calls,
		get user() {
			return state.user;
		},
		set user(value: string) {
			state.user = value;
		},
		get refreshToken() {
			return state.refreshToken;
		},
		set refreshToken(value: boolean) {
			state.refreshToken = value;
		},
		async close() {
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		}
	};
}

/** Runs `run` against a fresh verify server, closed afterwards. */
export async function withVerifyServer<T>(run: (issuer: string, calls: () => number) => Promise<T>): Promise<T> {
	const server = await startVerifyServer();
	try {
		return await run(server.issuer, server.calls);
	} finally {
		await server.close();
	}
}
