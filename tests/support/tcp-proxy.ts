import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real server (PostgreSQL), which a fault test cuts — every
 * connection dropped, new ones refused — and opens again on the same port: the server itself never
 * stops, as when a network path or a database host goes away and comes back.
 */
export interface TcpProxy {
	readonly port: number;
	open(): Promise<void>;
	/** Drops every connection and stops listening; resolves once the port is closed. */
	cut(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
	let server: Server | undefined;
	// A cut still closing (a test may start one without awaiting it): open() waits for it, so the port
	// is never listened on twice.
	let closing: Promise<unknown> = Promise.resolve();
	let port = 0;
	const sockets = new Set<Socket>();
	const proxy: TcpProxy = {
		get port() {
			return port;
		},
		async open() {
			await closing;
			if (server) return;
			server = createServer((client) => {
				const upstream = connect(targetPort, targetHost);
				for (const socket of [client, upstream]) {
					sockets.add(socket);
					socket.on('close', () => sockets.delete(socket));
					socket.on('error', () => {});
				}
				client.on('close', () => upstream.destroy());
				upstream.on('close', () => client.destroy());
				client.pipe(upstream).pipe(client);
			});
			await new Promise<void>((resolve, reject) => {
				server!.once('error', reject);
				server!.listen(port, '127.0.0.1', () => (server!.off('error', reject), resolve()));
			});
			port = (server.address() as { port: number }).port;
		},
		async cut() {
			const current = server;
			server = undefined;
			// close() waits for open connections: destroy them first.
			const closed = new Promise((resolve) => (current ? current.close(resolve) : resolve(undefined)));
			closing = closed;
			for (const socket of sockets) socket.destroy();
			await closed;
		}
	};
	await proxy.open();
	return proxy;
}
