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
	it.each(clients)('takes an %s client, single-node or cluster alike', (_name, make) => {
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
