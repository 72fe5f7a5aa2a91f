import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHandoffStateStore, RedisRefreshTokenFamilyStore } from '../../src/lib/redis/index.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily
} from '../../src/lib/stores/refresh-token-family-store.js';
import { redisConnection } from '../support/services.js';
import { runStoreSuites, sampleFamily } from './store-suites.js';

// Every key of this run lives under one random prefix, removed afterwards.
const prefix = `sso-test:${crypto.randomUUID()}:`;
const ioredis = new Redis({
	...redisConnection(),
	lazyConnect: true,
	maxRetriesPerRequest: 1,
	enableOfflineQueue: false
});
const { host, port, ...credentials } = redisConnection();
const nodeRedis = createClient({
	socket: { host, port },
	...credentials,
	disableOfflineQueue: true
});

beforeAll(async () => {
	await ioredis.connect();
	await nodeRedis.connect();
});

afterAll(async () => {
	const keys = await ioredis.keys(`${prefix}*`);
	if (keys.length > 0) await ioredis.del(...keys);
	ioredis.disconnect();
	await nodeRedis.close();
});

const clients = [
	['ioredis', ioredis],
	['node-redis', nodeRedis]
] as const;

for (const [clientName, client] of clients) {
	runStoreSuites(
		`Redis (${clientName})`,
		{
			families: (clock) => new RedisRefreshTokenFamilyStore({ client, keyPrefix: prefix, ...(clock ? { clock } : {}) }),
			handoffStates: (clock) => new RedisHandoffStateStore({ client, keyPrefix: prefix, ...(clock ? { clock } : {}) }),
			corruptFamily: async (familyId) => void (await ioredis.set(`${prefix}rtf:${familyId}`, '1:{garbage')),
			corruptHandoffState: async (stateId) => void (await ioredis.set(`${prefix}handoff:${stateId}`, '{garbage'))
		},
		// Redis' own TTL, not the injected clock, expires the entries in the real-time runs.
		{ realTime: clientName === 'ioredis' ? 'handoff-states' : 'families' }
	);
}

const family = (overrides: Partial<RefreshTokenFamily> = {}) => sampleFamily(Date.now(), overrides);

describe('RedisRefreshTokenFamilyStore', () => {
	const store = new RedisRefreshTokenFamilyStore({ client: ioredis, keyPrefix: prefix });

	it('is of kind redis', () => {
		expect(store.kind).toBe('redis');
	});

	it('keeps one key per family, versioned, whose Redis TTL ends at the family expiry', async () => {
		const f = family({ expiresAtMs: Date.now() + 30_000 });
		await store.registerFamily(f);
		const key = `${prefix}rtf:${f.familyId}`;
		expect(await ioredis.get(key)).toBe(`1:${JSON.stringify(f)}`);
		const ttl = await ioredis.pttl(key);
		expect(ttl).toBeGreaterThan(29_000);
		expect(ttl).toBeLessThanOrEqual(30_000);
		await store.updateFamily(f.familyId, (current) => ({
			...current,
			generation: 1,
			expiresAtMs: Date.now() + 90_000
		}));
		expect(await ioredis.get(key)).toMatch(/^2:\{/);
		expect(await ioredis.pttl(key)).toBeGreaterThan(89_000);
	});

	it('lets Redis drop an expired family', async () => {
		const f = family({ expiresAtMs: Date.now() + 200 });
		await store.registerFamily(f);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await ioredis.exists(`${prefix}rtf:${f.familyId}`)).toBe(0);
		// With the key gone the id is free again.
		await store.registerFamily({ ...f, expiresAtMs: Date.now() + 60_000 });
	});

	it('re-reads and re-runs the updater when the compare-and-set finds another version', async () => {
		const f = family();
		await store.registerFamily(f);
		const key = `${prefix}rtf:${f.familyId}`;
		let calls = 0;
		const result = await store.updateFamily(f.familyId, (current) => {
			calls++;
			// Test-only side effect: a concurrent writer commits between our read and our write (the
			// store uses this same connection, so Redis sees this SET before the store's EVAL).
			if (calls === 1) {
				const concurrent = `7:${JSON.stringify({ ...current, payload: 'concurrent' })}`;
				void ioredis.set(key, concurrent, 'PX', 60_000);
			}
			return { ...current, generation: current.generation + 1, payload: `${current.payload}+mine` };
		});
		expect(calls).toBe(2);
		expect(result).toMatchObject({ outcome: 'committed', family: { payload: 'concurrent+mine' } });
		expect(await ioredis.get(key)).toMatch(/^8:/);
	});

	it('gives up with conflict-exhausted after a bounded number of lost races', async () => {
		const f = family();
		await store.registerFamily(f);
		const key = `${prefix}rtf:${f.familyId}`;
		let calls = 0;
		const error = await store
			.updateFamily(f.familyId, (current) => {
				calls++;
				void ioredis.set(key, `${100 + calls}:${JSON.stringify(current)}`, 'PX', 60_000);
				return { ...current, payload: 'never' };
			})
			.catch((e) => e);
		expect(error).toBeInstanceOf(RefreshTokenStorageError);
		expect(error.reason).toBe('conflict-exhausted');
		expect(calls).toBe(8);
		expect(await ioredis.get(key)).not.toContain('never');
	});

	it('reports a key of another Redis type, or a value filed under another id, as corrupt-data', async () => {
		const hashId = crypto.randomUUID();
		await ioredis.hset(`${prefix}rtf:${hashId}`, 'a', 'b');
		await expect(store.findFamily(hashId)).rejects.toMatchObject({ reason: 'corrupt-data' });
		const f = family();
		const elsewhere = crypto.randomUUID();
		await ioredis.set(`${prefix}rtf:${elsewhere}`, `1:${JSON.stringify(f)}`);
		await expect(store.findFamily(elsewhere)).rejects.toMatchObject({ reason: 'corrupt-data' });
		await ioredis.set(
			`${prefix}rtf:${elsewhere}`,
			`x:${JSON.stringify({ ...f, familyId: elsewhere })}`
		);
		await expect(store.findFamily(elsewhere)).rejects.toMatchObject({ reason: 'corrupt-data' });
	});

	it('defaults keys to the sso: prefix', async () => {
		const plain = new RedisRefreshTokenFamilyStore({ client: nodeRedis });
		const f = family({ familyId: `sso-test-${crypto.randomUUID()}` });
		await plain.registerFamily(f);
		try {
			expect(await ioredis.exists(`sso:rtf:${f.familyId}`)).toBe(1);
		} finally {
			await ioredis.del(`sso:rtf:${f.familyId}`);
		}
	});

	it('names the option it rejects', () => {
		expect(() => new RedisRefreshTokenFamilyStore({} as never)).toThrow(
			'RedisRefreshTokenFamilyStore: options.client is required'
		);
		expect(() => new RedisRefreshTokenFamilyStore({ client: { get() {} } as never })).toThrow(
			'RedisRefreshTokenFamilyStore: options.client must be an ioredis or node-redis client'
		);
		expect(
			() => new RedisRefreshTokenFamilyStore({ client: ioredis, keyPrefix: 5 as never })
		).toThrow(/options\.keyPrefix must be a string/);
		try {
			new RedisRefreshTokenFamilyStore(undefined as never);
		} catch (error) {
			expect(error).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_OPTION' });
		}
	});
});

describe('RedisHandoffStateStore', () => {
	const store = new RedisHandoffStateStore({ client: nodeRedis, keyPrefix: prefix });

	it('stores each entry under one key with a millisecond TTL, fractional seconds included', async () => {
		const id = crypto.randomUUID();
		await store.set(id, { a: 1 }, 1.5);
		const ttl = await ioredis.pttl(`${prefix}handoff:${id}`);
		expect(ttl).toBeGreaterThan(1_400);
		expect(ttl).toBeLessThanOrEqual(1_500);
	});

	it('throws a store_unavailable error saying corrupt for a value it did not write, and never returns it', async () => {
		const id = crypto.randomUUID();
		await ioredis.set(`${prefix}handoff:${id}`, JSON.stringify({ returnTo: '/x' }));
		await expect(store.get(id)).rejects.toMatchObject({
			code: 'store_unavailable',
			message: expect.stringMatching(/corrupt/)
		});
		await ioredis.hset(`${prefix}handoff:${id}`.replace(id, `${id}-hash`), 'a', 'b');
		await expect(store.getAndDelete(`${id}-hash`)).rejects.toMatchObject({
			code: 'store_unavailable',
			message: expect.stringMatching(/corrupt/)
		});
		await expect(store.getAndDelete(id)).rejects.toThrow(/corrupt/);
		expect(await ioredis.exists(`${prefix}handoff:${id}`)).toBe(0);
	});

	it('rejects state it cannot serialize without writing anything', async () => {
		const id = crypto.randomUUID();
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		await expect(store.set(id, circular, 60)).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(store.set(id, { n: 1n }, 60)).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(store.set(id, {}, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
		expect(await ioredis.exists(`${prefix}handoff:${id}`)).toBe(0);
	});

	it('names the option it rejects', () => {
		expect(() => new RedisHandoffStateStore({ client: undefined as never })).toThrow(
			'RedisHandoffStateStore: options.client is required'
		);
	});
});
