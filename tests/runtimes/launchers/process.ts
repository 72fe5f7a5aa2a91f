// Starting and stopping one runtime's server: what every launcher shares.
import { spawn } from 'node:child_process';
import type { PreparedRuntimes, RuntimeName } from '../runtime-app.js';

/** The app's environment: what a deployment would set (names as the app reads them). */
export interface AppEnv {
	ORIGIN: string;
	AUTH_SECRET: string;
	RT_ISSUER: string;
	RT_CLIENT_SECRET: string;
	/** `'1'`: the app leaves `secret` and `origin` to the package's AUTH_SECRET / ORIGIN defaults. */
	RT_IMPLICIT_ENV?: string;
}

export interface RunningApp {
	url: string;
	/** Everything the server printed so far. */
	output(): string;
	stop(): Promise<void>;
}

export interface RuntimeLauncher {
	name: RuntimeName;
	/** For test titles: `Bun 1.4.5`, `Deno 2.9.6 (--allow-env …)`. */
	title: string;
	/** What the app's /api/whoami reports as its runtime. */
	expected: { name: 'node' | 'bun' | 'deno' | 'workerd'; version: RegExp | null };
	start(prepared: PreparedRuntimes, port: number, env: AppEnv): Promise<RunningApp>;
}

/**
 * Spawns a server in a process group of its own (wrangler starts workerd as a child) and waits until
 * it answers HTTP at `url` — any status: a misconfigured app answering 500 has started too.
 */
export async function startServer(
	command: string,
	args: string[],
	options: { cwd: string; env: Record<string, string | undefined>; url: string; timeoutMs?: number }
): Promise<RunningApp> {
	let log = '';
	const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	child.stdout?.on('data', (d) => (log += d));
	child.stderr?.on('data', (d) => (log += d));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
		try {
			process.kill(-child.pid, 'SIGTERM');
		} catch {
			return;
		}
		const timer = setTimeout(() => {
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {
				/* gone */
			}
		}, 5_000);
		await exited;
		clearTimeout(timer);
	};
	const deadline = Date.now() + (options.timeoutMs ?? 60_000);
	for (;;) {
		if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${log}`);
		try {
			const res = await fetch(`${options.url}/api/whoami`, { redirect: 'manual' });
			await res.body?.cancel();
			break;
		} catch {
			if (Date.now() > deadline) {
				await stop();
				throw new Error(`${command} did not answer at ${options.url}:\n${log}`);
			}
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	return { url: options.url, output: () => log, stop };
}

/** adapter-node's environment for a server on 127.0.0.1:`port`. */
export function adapterNodeEnv(port: number, env: AppEnv): Record<string, string | undefined> {
	return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env };
}
