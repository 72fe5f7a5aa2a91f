import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const TEST_SECRET = 'integration-secret-integration-secret-01';

/** A free loopback port. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

export interface RunningApp {
	url: string;
	port: number;
	/** The server's process id (the benchmark reads its RSS). */
	pid: number;
	output: () => string;
	stop(): Promise<void>;
}

/**
 * Starts the production build of the demo (made by the integration global setup, SSO_TEST_BUILD) with
 * adapter-node on a free loopback port.
 */
export async function startApp(env: Record<string, string> = {}, options: { buildDir?: string; port?: number } = {}): Promise<RunningApp> {
	const port = options.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	let log = '';
	const child: ChildProcess = spawn(process.execPath, [`${options.buildDir ?? process.env.SSO_TEST_BUILD ?? 'build'}/index.js`], {
		cwd: ROOT,
		env: {
			...process.env,
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(port),
			ORIGIN: url,
			AUTH_SECRET: TEST_SECRET,
			SSO_ISSUER: 'http://127.0.0.1:9',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout?.on('data', (d) => (log += d));
	child.stderr?.on('data', (d) => (log += d));
	const deadline = Date.now() + 20_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`app exited: ${log}`);
		try {
			await fetch(`${url}/api/plain`);
			break;
		} catch {
			if (Date.now() > deadline) throw new Error(`app did not start: ${log}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	return {
		url,
		port,
		pid: child.pid ?? 0,
		output: () => log,
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			await exited;
		}
	};
}

/** GET without following redirects. */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
	return fetch(url, { method, headers, redirect: 'manual' });
}
