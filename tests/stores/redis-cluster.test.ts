// The Redis stores on a Redis Cluster (three masters of this file's own, tests/support/redis-cluster.ts)
// through ioredis' `Cluster` and node-redis' `createCluster`: both contract suites and the rotation
// scenarios, families on every master, and the master that holds a family killed in the middle of an
// update and started again.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHandoffStateStore, RedisRefreshTokenFamilyStore } from '../../src/lib/redis/index.js';
import type { RefreshTokenFamily } from '../../src/lib/stores/refresh-token-family-store.js';
import { eventually } from '../support/eventually.js';
import { startRedisCluster, type ClusterNode, type RedisCluster } from '../support/redis-cluster.js';
import { failsFast as failsFastShared, familyWith } from '../support/store-faults.js';
import { runStoreSuites, sampleFamily } from './store-suites.js';

const prefix = `sso-test:cluster:${crypto.randomUUID()}:`;
const SECRET = `SECRET-PAYLOAD-${crypto.randomUUID()}`;
let cluster: RedisCluster;
let ioredis: Cluster;
let nodeRedis: ReturnType<typeof createCluster>;

beforeAll(async () => {
	cluster = await startRedisCluster();
	// Configured as the stores' TSDoc asks of a cluster client: fail fast while a master is down.
	ioredis = new Cluster(cluster.seeds, {
		lazyConnect: true,
		enableOfflineQueue: false,
		redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 1_000 }
	});
	ioredis.on('error', () => {});
	nodeRedis = createCluster({
		rootNodes: cluster.seeds.map((socket) => ({ socket })),
		defaults: { disableOfflineQueue: true, socket: { connectTimeout: 1_000, reconnectStrategy: () => 50 } }
	});
	nodeRedis.on('error', () => {});
	await ioredis.connect();
	await nodeRedis.connect();
}, 60_000);

afterAll(async () => {
	ioredis?.disconnect();
	nodeRedis?.destroy();
	await cluster?.stop();
});

const clients = [
	['ioredis Cluster', () => ioredis],
	['node-redis createCluster', () => nodeRedis]
] as const;

for (const [clientName, client] of clients) {
	runStoreSuites(
		`Redis Cluster (${clientName})`,
		{
			families: (clock) => new RedisRefreshTokenFamilyStore({ client: client(), keyPrefix: prefix, ...(clock ? { clock } : {}) }),
			handoffStates: (clock) => new RedisHandoffStateStore({ client: client(), keyPrefix: prefix, ...(clock ? { clock } : {}) }),
			corruptFamily: async (familyId) => void (await ioredis.set(`${prefix}rtf:${familyId}`, '1:{garbage')),
			corruptHandoffState: async (stateId) => void (await ioredis.set(`${prefix}handoff:${stateId}`, '{garbage'))
		},
		{ realTime: clientName === 'ioredis Cluster' ? 'handoff-states' : 'families' }
	);
}

/** Registers one family on each master (ids drawn until every master has one), by master port. */
async function familiesOnEveryMaster(store: RedisRefreshTokenFamilyStore): Promise<Map<number, RefreshTokenFamily>> {
	const byMaster = new Map<number, RefreshTokenFamily>();
	for (let i = 0; i < 200 && byMaster.size < 3; i++) {
		const f = sampleFamily(Date.now(), {}, 600_000);
		const master = await cluster.masterOf(`${prefix}rtf:${f.familyId}`);
		if (byMaster.has(master.port)) continue;
		await store.registerFamily(f);
		byMaster.set(master.port, f);
	}
	expect(byMaster.size).toBe(3);
	return byMaster;
}

describe.each(clients)('Redis stores on a three-master cluster over %s', (_name, client) => {
	it('keeps families on every master and updates each one where it lives', async () => {
		const store = new RedisRefreshTokenFamilyStore({ client: client(), keyPrefix: prefix });
		const byMaster = await familiesOnEveryMaster(store);
		for (const [port, f] of byMaster) {
			// The key is on that master and nowhere else: the client routed the write by its slot.
			for (const node of cluster.nodes) {
				const here = Number(await cluster.command(node, 'EXISTS', `${prefix}rtf:${f.familyId}`).catch(() => 0));
				expect(here).toBe(node.port === port ? 1 : 0);
			}
			// The compare-and-set script runs where the key lives, so it commits (a script sent to another
			// master would be answered MOVED, or fail on a key it may not touch).
			const result = await store.updateFamily(f.familyId, (current) => ({ ...current, generation: 1, payload: 'moved on' }));
			expect(result).toMatchObject({ outcome: 'committed', family: { generation: 1, payload: 'moved on' } });
			expect(await cluster.command(cluster.nodes.find((n) => n.port === port)!, 'GET', `${prefix}rtf:${f.familyId}`)).toMatch(/^2:\{/);
		}
	});

	it("fails fast with unavailable while a family's master is down, keeps what it acknowledged, and recovers without a new client", async () => {
		const families = new RedisRefreshTokenFamilyStore({ client: client(), keyPrefix: prefix });
		const handoff = new RedisHandoffStateStore({ client: client(), keyPrefix: prefix });
		// The other client's test killed and restarted a master: start once this client reaches all three.
		await cluster.untilOk();
		const f = familyWith(SECRET);
		await eventually(() => families.registerFamily(f));
		const master: ClusterNode = await cluster.masterOf(`${prefix}rtf:${f.familyId}`);
		// A handoff entry on the same master.
		let stateId = crypto.randomUUID();
		while ((await cluster.masterOf(`${prefix}handoff:${stateId}`)) !== master) stateId = crypto.randomUUID();
		await handoff.set(stateId, { returnTo: `/${SECRET}` }, 600);

		const secrets = [SECRET, f.familyId, stateId];
		// Killed between the read and the compare-and-set of an update.
		const midRun = await failsFastShared(
			() =>
				families.updateFamily(f.familyId, (current) => {
					void cluster.kill(master);
					return { ...current, generation: 1, payload: `${SECRET}-generation-1` };
				}),
			secrets,
			3_000
		);
		expect(midRun).toMatchObject({ name: 'RefreshTokenStorageError', reason: 'unavailable' });
		await cluster.kill(master);

		for (const operation of [() => families.findFamily(f.familyId), () => families.updateFamily(f.familyId, (current) => current)]) {
			expect(await failsFastShared(operation, secrets, 2_500)).toMatchObject({ name: 'RefreshTokenStorageError', reason: 'unavailable' });
		}
		for (const operation of [() => handoff.get(stateId), () => handoff.getAndDelete(stateId)]) {
			expect(await failsFastShared(operation, secrets, 2_500)).toMatchObject({ name: 'AuthError', code: 'store_unavailable' });
		}
		// Once the other masters mark it failed, the whole cluster refuses (CLUSTERDOWN): still unavailable.
		await cluster.untilFail();
		expect(await failsFastShared(() => families.registerFamily(familyWith(SECRET)), [SECRET], 2_500)).toMatchObject({ reason: 'unavailable' });

		await cluster.restart(master);
		await cluster.untilOk();
		// The same store objects, once the client has found the master again (no new client, no reconnect call).
		const recovered = await eventually(() => families.findFamily(f.familyId));
		// The interrupted update never landed: generation 0 exactly as registered, not a corrupt record.
		expect(recovered).toEqual(f);
		expect(await families.updateFamily(f.familyId, (current) => ({ ...current, generation: 1 }))).toMatchObject({
			outcome: 'committed',
			family: { generation: 1 }
		});
		expect(await handoff.getAndDelete(stateId)).toEqual({ returnTo: `/${SECRET}` });
	});

	it('with cluster-require-full-coverage no, keeps serving the families on the other masters while one master is down', async () => {
		await cluster.untilOk();
		const store = new RedisRefreshTokenFamilyStore({ client: client(), keyPrefix: prefix });
		const byMaster = await eventually(() => familiesOnEveryMaster(store));
		const [victim, ...others] = cluster.nodes as ClusterNode[];
		const lost = byMaster.get(victim!.port)!;
		await cluster.configure('cluster-require-full-coverage', 'no');
		try {
			await cluster.kill(victim!);
			expect(await failsFastShared(() => store.findFamily(lost.familyId), [lost.familyId], 2_500)).toMatchObject({ reason: 'unavailable' });
			// Right after the kill, and again once the other masters have flagged it failed.
			for (const flagged of [false, true]) {
				if (flagged) await cluster.untilMarkedFailed(victim!);
				for (const node of others) {
					const f = byMaster.get(node.port)!;
					const result = await store.updateFamily(f.familyId, (current) => ({ ...current, generation: current.generation + 1 }));
					expect(result).toMatchObject({ outcome: 'committed', family: { generation: flagged ? 2 : 1 } });
				}
			}
			expect(await failsFastShared(() => store.findFamily(lost.familyId), [lost.familyId], 2_500)).toMatchObject({ reason: 'unavailable' });
		} finally {
			if (!victim!.running) await cluster.restart(victim!);
			await cluster.configure('cluster-require-full-coverage', 'yes');
			await cluster.untilOk();
		}
		expect(await eventually(() => store.findFamily(lost.familyId))).toEqual(lost);
	});
});
