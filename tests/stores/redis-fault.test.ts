// Redis dies mid-run: every operation must fail fast with 'unavailable' (no hang, no secret in the
// error), nothing half-written may survive, and the same store objects must work once Redis is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHandoffStateStore, RedisRefreshTokenFamilyStore } from '../../src/lib/redis/index.js';
import type { RefreshTokenFamily } from '../../src/lib/stores/refresh-token-family-store.js';
import { REDIS_SERVER } from '../support/services.js';
import { eventually, until } from '../support/eventually.js';
import { failsFast as failsFastShared, familyWith } from '../support/store-faults.js';

const port = 6390 + Math.floor(Math.random() * 1000);
const SECRET = `SECRET-PAYLOAD-${crypto.randomUUID()}`;
let dir: string;
let server: ChildProcess | undefined;

async function startRedis(): Promise<void> {
	// Append-only with fsync on every write, so what was committed before the kill is there after it.
	server = spawn(
		REDIS_SERVER,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'yes',
			'--appendfsync',
			'always',
			'--dir',
			dir
		],
		{ stdio: 'ignore' }
	);
	await until(accepts, `redis-server to accept connections on port ${port}`);
}

function killRedis(): void {
	server?.kill('SIGKILL');
}

async function waitForExit(): Promise<void> {
	const child = server;
	if (child && child.exitCode === null && child.signalCode === null) {
		await new Promise((resolve) => child.once('exit', resolve));
	}
	server = undefined;
}

function accepts(): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => (socket.destroy(), resolve(true)));
		socket.once('error', () => resolve(false));
	});
}

let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'sso-redis-fault-'));
	await startRedis();
	ioredis = new Redis({
		host: '127.0.0.1',
		port,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		enableOfflineQueue: false,
		commandTimeout: 1_000,
		retryStrategy: () => 50
	});
	ioredis.on('error', () => {});
	nodeRedis = createClient({
		socket: { host: '127.0.0.1', port, connectTimeout: 1_000, reconnectStrategy: () => 50 },
		disableOfflineQueue: true
	});
	nodeRedis.on('error', () => {});
	await ioredis.connect();
	await nodeRedis.connect();
});

afterAll(async () => {
	ioredis?.disconnect();
	nodeRedis?.destroy();
	killRedis();
	await waitForExit();
	await rm(dir, { recursive: true, force: true });
});

const family = () => familyWith(SECRET);
const failsFast = (operation: () => Promise<unknown>, secrets: string[], withinMs = 1_500) =>
	failsFastShared(operation, [SECRET, ...secrets], withinMs);

describe.each([
	['ioredis', () => ioredis],
	['node-redis', () => nodeRedis]
] as const)('Redis stores over %s when Redis dies', (_name, client) => {
	it('fail fast with unavailable, keep committed data intact and recover without being recreated', async () => {
		const families = new RedisRefreshTokenFamilyStore({ client: client(), keyPrefix: 'fault:' });
		const handoff = new RedisHandoffStateStore({ client: client(), keyPrefix: 'fault:' });
		const f = family();
		const stateId = crypto.randomUUID();
		// The previous test killed and restarted Redis: this client reconnects on its own schedule (its
		// reconnect timer against the other test's last commands, a race a loaded machine loses). Start
		// once it answers, not when the other client happened to finish.
		await eventually(() => families.findFamily(f.familyId));
		await families.registerFamily(f);
		await handoff.set(stateId, { returnTo: `/${SECRET}` }, 600);

		// Killed between the read and the compare-and-set of an update.
		const midRun = await failsFast(
			() =>
				families.updateFamily(f.familyId, (current) => {
					killRedis();
					return { ...current, generation: 1, payload: `${SECRET}-generation-1` };
				}),
			[f.familyId],
			3_000
		);
		expect(midRun).toMatchObject({ name: 'RefreshTokenStorageError', reason: 'unavailable' });
		await waitForExit();

		const ids = [f.familyId, stateId];
		for (const operation of [
			() => families.findFamily(f.familyId),
			() => families.registerFamily(family()),
			() => families.updateFamily(f.familyId, (current) => current)
		]) {
			expect(await failsFast(operation, ids)).toMatchObject({ reason: 'unavailable' });
		}
		for (const operation of [
			() => handoff.set(crypto.randomUUID(), { secret: SECRET }, 60),
			() => handoff.get(stateId),
			() => handoff.getAndDelete(stateId),
			() => handoff.delete(stateId)
		]) {
			expect(await failsFast(operation, ids)).toMatchObject({
				name: 'AuthError',
				code: 'store_unavailable'
			});
		}

		await startRedis();
		// The same store objects, once the client has reconnected by itself (no new client, no reconnect call).
		const recovered: RefreshTokenFamily | null = await eventually(() => families.findFamily(f.familyId));
		// The interrupted update never landed: generation 0 exactly as registered, not a corrupt record.
		expect(recovered).toEqual(f);
		const updated = await families.updateFamily(f.familyId, (current) => ({
			...current,
			generation: 1
		}));
		expect(updated).toMatchObject({ outcome: 'committed', family: { generation: 1 } });
		expect(await handoff.getAndDelete(stateId)).toEqual({ returnTo: `/${SECRET}` });
		await handoff.set(stateId, { again: true }, 60);
		expect(await handoff.get(stateId)).toEqual({ again: true });
	});
});
