// A throwaway Redis Cluster for the tests that prove the Redis stores on one: three masters, no
// replicas, from Debian's `redis-server` (REDIS_SERVER overrides) and `redis-cli` (REDIS_CLI
// overrides), each on a free loopback port with a free cluster-bus port, its own temporary folder and
// nodes.conf. Append-only with fsync on every write, so a master that is killed and started again on
// the same port and folder comes back with its node id, its slots and every write it acknowledged.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './app-server.js';
import { until } from './eventually.js';
import { REDIS_SERVER } from './services.js';

export const REDIS_CLI = process.env.REDIS_CLI || 'redis-cli';

const run = promisify(execFile);

/** One master of the cluster. */
export interface ClusterNode {
	readonly port: number;
	readonly busPort: number;
	readonly dir: string;
	/** Whether its process is running (false between {@link RedisCluster.kill} and {@link RedisCluster.restart}). */
	readonly running: boolean;
}

export interface RedisCluster {
	readonly nodes: readonly ClusterNode[];
	/** `[{ host, port }]` of every master: the seed list for ioredis' `Cluster` and node-redis' `createCluster`. */
	readonly seeds: { host: string; port: number }[];
	/** The master that serves `key`'s hash slot (CLUSTER KEYSLOT, then CLUSTER NODES). */
	masterOf(key: string): Promise<ClusterNode>;
	/** SIGKILL of one master's process; resolves once it has exited. */
	kill(node: ClusterNode): Promise<void>;
	/** Starts the same master again, on the same port and folder (same nodes.conf and append-only file). */
	restart(node: ClusterNode): Promise<void>;
	/** Resolves when every running master reports `cluster_state:ok` and serves all 16384 slots. */
	untilOk(): Promise<void>;
	/** Resolves when the masters still running report `cluster_state:fail`. */
	untilFail(): Promise<void>;
	/** Resolves when every other running master flags `node` as failed in CLUSTER NODES. */
	untilMarkedFailed(node: ClusterNode): Promise<void>;
	/** CONFIG SET on every running master, e.g. `cluster-require-full-coverage no`. */
	configure(parameter: string, value: string): Promise<void>;
	/** Runs `command` on one master (a fresh connection), e.g. `['CLUSTER', 'INFO']`. */
	command(node: ClusterNode, ...command: (string | number)[]): Promise<unknown>;
	/** Stops every master and removes the folders. */
	stop(): Promise<void>;
}

interface Master extends ClusterNode {
	process?: ChildProcess;
	output: string;
	running: boolean;
}

/**
 * Starts a three-master cluster and waits until it is `ok`. `nodeTimeoutMs` is each master's
 * `cluster-node-timeout`: how long a dead master goes unnoticed before the others mark it failed
 * (and, with the default `cluster-require-full-coverage yes`, refuse every query: CLUSTERDOWN).
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
	const started = Date.now();
	const masters: Master[] = [];
	const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
	// If the run dies without its teardown, leave no server behind.
	const killAll = () => masters.forEach((m) => m.process?.kill('SIGKILL'));
	process.once('exit', killAll);

	const spawnMaster = async (master: Master) => {
		const child = spawn(
			REDIS_SERVER,
			[
				'--port', String(master.port),
				'--cluster-port', String(master.busPort),
				'--bind', '127.0.0.1',
				'--cluster-enabled', 'yes',
				'--cluster-config-file', 'nodes.conf',
				'--cluster-node-timeout', String(nodeTimeoutMs),
				'--dir', master.dir,
				'--save', '',
				'--appendonly', 'yes',
				'--appendfsync', 'always',
				'--logfile', ''
			],
			{ stdio: ['ignore', 'pipe', 'pipe'] }
		);
		const keep = (chunk: Buffer) => (master.output = (master.output + chunk).slice(-8_000));
		child.stdout!.on('data', keep);
		child.stderr!.on('data', keep);
		let spawnError: Error | undefined;
		child.once('error', (error) => (spawnError = error));
		master.process = child;
		master.running = true;
		await until(async () => {
			if (spawnError) {
				const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
				throw new Error(missing ? `no \`${REDIS_SERVER}\` to start a Redis Cluster: install it (Debian: apt-get install redis-server)` : spawnError.message);
			}
			if (child.exitCode !== null) throw new Error(`${REDIS_SERVER} exited on port ${master.port}: ${master.output}`);
			return (await ping(master.port)) === 'PONG';
		}, `redis-server to answer on port ${master.port}`);
	};

	const command = async (node: ClusterNode, ...args: (string | number)[]) => {
		const client = new Redis({ host: '127.0.0.1', port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
		client.on('error', () => {});
		try {
			await client.connect();
			return await client.call(String(args[0]), ...args.slice(1).map(String));
		} finally {
			client.disconnect();
		}
	};

	const stateIs = async (state: 'ok' | 'fail') => {
		for (const master of masters.filter((m) => m.running)) {
			const info = String(await command(master, 'CLUSTER', 'INFO').catch(() => ''));
			if (!info.includes(`cluster_state:${state}`)) return false;
			if (state === 'ok' && !info.includes('cluster_slots_ok:16384')) return false;
		}
		return true;
	};

	const cluster: RedisCluster = {
		nodes: masters,
		seeds: [],
		async masterOf(key) {
			const slot = Number(await command(masters[0]!, 'CLUSTER', 'KEYSLOT', key));
			// Asked of a running master: a dead one still owns its slots in every node's view.
			const asked = masters.find((m) => m.running)!;
			const table = String(await command(asked, 'CLUSTER', 'NODES'));
			for (const line of table.trim().split('\n')) {
				const [, address, flags, , , , , , ...ranges] = line.split(' ');
				if (!flags!.includes('master')) continue;
				const port = Number(address!.split('@')[0]!.split(':').at(-1));
				for (const range of ranges) {
					const [from, to = from] = range.split('-').map(Number);
					if (slot >= from! && slot <= to!) return masters.find((m) => m.port === port)!;
				}
			}
			throw new Error(`no master serves slot ${slot}`);
		},
		async kill(node) {
			const master = node as Master;
			const child = master.process;
			master.running = false;
			if (!child || child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGKILL');
			await exited;
		},
		restart: (node) => spawnMaster(node as Master),
		untilOk: () => until(() => stateIs('ok'), 'the Redis Cluster to report cluster_state:ok', { timeoutMs: 30_000, intervalMs: 100 }),
		untilFail: () => until(() => stateIs('fail'), 'the Redis Cluster to report cluster_state:fail', { timeoutMs: 30_000, intervalMs: 100 }),
		untilMarkedFailed: (node) =>
			until(
				async () => {
					for (const master of masters.filter((m) => m.running && m !== node)) {
						const line = String(await command(master, 'CLUSTER', 'NODES').catch(() => ''))
							.split('\n')
							.find((l) => l.split(' ')[1]?.startsWith(`127.0.0.1:${node.port}@`));
						if (!line?.split(' ')[2]?.split(',').includes('fail')) return false;
					}
					return true;
				},
				`the other masters to flag port ${node.port} as failed`,
				{ timeoutMs: 30_000, intervalMs: 100 }
			),
		async configure(parameter, value) {
			for (const master of masters.filter((m) => m.running)) await command(master, 'CONFIG', 'SET', parameter, value);
		},
		command,
		async stop() {
			process.off('exit', killAll);
			for (const master of masters) {
				const child = master.process;
				master.running = false;
				if (child && child.exitCode === null && child.signalCode === null) {
					const exited = new Promise((resolve) => child.once('exit', resolve));
					child.kill('SIGTERM');
					await exited;
				}
				await rm(master.dir, { recursive: true, force: true });
			}
		}
	};

	try {
		for (let i = 0; i < 3; i++) {
			const master: Master = { port: await freePort(), busPort: await freePort(), dir: await mkdtemp(join(tmpdir(), 'sso-test-cluster-')), output: '', running: false };
			masters.push(master);
		}
		await Promise.all(masters.map(spawnMaster));
		await run(REDIS_CLI, ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 }).catch((error: NodeJS.ErrnoException & { stdout?: string; stderr?: string }) => {
			throw new Error(
				error.code === 'ENOENT'
					? `no \`${REDIS_CLI}\` to create a Redis Cluster: install it (Debian: apt-get install redis-tools)`
					: `redis-cli --cluster create failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`
			);
		});
		await cluster.untilOk();
	} catch (error) {
		await cluster.stop();
		throw error;
	}
	cluster.seeds.push(...masters.map((m) => ({ host: '127.0.0.1', port: m.port })));
	if (process.env.SSO_TEST_VERBOSE) console.log(`redis-cluster: three masters on ${masters.map((m) => m.port).join(', ')} in ${Date.now() - started} ms`);
	return cluster;
}

async function ping(port: number): Promise<string | undefined> {
	const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
	client.on('error', () => {});
	try {
		await client.connect();
		return await client.ping();
	} catch {
		return undefined;
	} finally {
		client.disconnect();
	}
}
