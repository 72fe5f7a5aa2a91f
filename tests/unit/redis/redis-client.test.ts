import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { describe, expect, it } from 'vitest';
import { adaptRedisClient } from '../../../src/lib/redis/redis-client.js';
import { RedisHandoffStateStore, RedisRefreshTokenFamilyStore } from '../../../src/lib/redis/index.js';

// Unconnected clients: recognising one needs no server (tests/stores/redis-cluster.test.ts runs the
// stores on a real cluster).
const seeds = [{ host: '127.0.0.1', port: 1 }];
const clients = [
	['ioredis Redis', () => new Redis({ lazyConnect: true })],
	['ioredis Cluster', () => new Cluster(seeds, { lazyConnect: true })],
	['node-redis createClient', () => createClient()],
	['node-redis createCluster', () => createCluster({ rootNodes: seeds.map((socket) => ({ socket })) })]
] as const;

describe('adaptRedisClient', () => {
	it.each(clients)('takes the %s client, single-node or cluster alike', (_name, make) => {
		const client = make();
		const commands = adaptRedisClient('Test', client);
		expect(Object.keys(commands).sort()).toEqual(['del', 'evalOnKey', 'get', 'getDel', 'setPx']);
		expect(() => new RedisRefreshTokenFamilyStore({ client })).not.toThrow();
		expect(() => new RedisHandoffStateStore({ client })).not.toThrow();
	});

	it('refuses what is neither, naming the option', () => {
		for (const client of [{}, { get() {}, set() {}, del() {} }, 'redis://127.0.0.1']) {
			expect(() => adaptRedisClient('Test', client)).toThrow(
				expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_OPTION', message: 'Test: options.client must be an ioredis or node-redis client' })
			);
		}
	});
});

describe('adaptRedisClient: the compare-and-set script on a node-redis cluster', () => {
	// Stand-ins that record calls: what a node-redis client or cluster receives is the unit here (the
	// same script on a real three-master cluster: tests/stores/redis-cluster.test.ts).
	function recorder(cluster: boolean) {
		const calls: unknown[][] = [];
		const client: Record<string, unknown> = {
			get: async () => null,
			getDel: async () => null,
			set: async () => 'OK',
			del: async () => 1,
			eval: async (...args: unknown[]) => (calls.push(['eval', ...args]), 1),
			sendCommand: async (...args: unknown[]) => (calls.push(['sendCommand', ...args]), 1)
		};
		if (cluster) client.getSlotMaster = () => undefined;
		return { client, calls };
	}

	it('names the key for routing (node-redis 4 clusters send `eval` to a random master), and declares it in KEYS', async () => {
		const { client, calls } = recorder(true);
		expect(await adaptRedisClient('Test', client).evalOnKey('return 1', 'sso:rtf:f1', ['0', 'v'])).toBe(1);
		expect(calls).toEqual([['sendCommand', 'sso:rtf:f1', false, ['EVAL', 'return 1', '1', 'sso:rtf:f1', '0', 'v']]]);
	});

	it('uses eval with the key in KEYS on a single node-redis client', async () => {
		const { client, calls } = recorder(false);
		await adaptRedisClient('Test', client).evalOnKey('return 1', 'sso:rtf:f1', ['0', 'v']);
		expect(calls).toEqual([['eval', 'return 1', { keys: ['sso:rtf:f1'], arguments: ['0', 'v'] }]]);
	});

	it('tells a real node-redis createCluster client from a createClient one', () => {
		const cluster = createCluster({ rootNodes: seeds.map((socket) => ({ socket })) }) as unknown as Record<string, unknown>;
		const single = createClient() as unknown as Record<string, unknown>;
		expect([typeof cluster.getSlotMaster, typeof cluster.sendCommand]).toEqual(['function', 'function']);
		expect(typeof single.getSlotMaster).toBe('undefined');
	});
});

