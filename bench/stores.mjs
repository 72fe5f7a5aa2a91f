// node --import tsx bench/stores.mjs — compare-and-set round trips of the refresh-token family stores
// on each backend (memory, Redis through ioredis and node-redis, PostgreSQL through postgres.js and
// pg), against the Redis and PostgreSQL on loopback. Three measurements per backend:
//   1. sequential updateFamily (one read + one CAS write per call), latency percentiles;
//   2. one refresh ceremony, acquireLease + rotate (two updateFamily calls);
//   3. 10 writers hammering one family: commits/s, wasted updater runs (CAS retries), exhaustions.
// Writes bench/stores-results.md. BENCH_OPS (default 1000) sets the sequential operation count.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import postgres from 'postgres';
import { createClient } from 'redis';
import { PostgresRefreshTokenFamilyStore } from '../src/lib/postgres/index.js';
import { RedisRefreshTokenFamilyStore } from '../src/lib/redis/index.js';
import { InMemoryRefreshTokenFamilyStore } from '../src/lib/stores/memory-refresh-token-family-store.js';
import { createRefreshTokenFamilyRotation } from '../src/lib/server/refresh/rotation.js';
import { ensureServices, postgresConnection, redisConnection } from '../tests/support/services.js';

const OPS = Number(process.env.BENCH_OPS ?? 1000);
const WRITERS = 10;
const CONTENDED_COMMITS = 300;
// Read from node_modules: ioredis' export map does not expose its package.json.
const version = (name) =>
	JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8'))
		.version;

function family() {
	const now = Date.now();
	return {
		familyId: crypto.randomUUID(),
		subject: 'bench',
		generation: 0,
		payload: 'x'.repeat(1200), // about the size of a sealed token set
		previousPayload: null,
		rotatedAtMs: now,
		lease: null,
		revokedAtMs: null,
		createdAtMs: now,
		expiresAtMs: now + 3_600_000
	};
}

const percentile = (sorted, p) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function sequential(store) {
	const f = family();
	await store.registerFamily(f);
	const latencies = [];
	const started = performance.now();
	for (let i = 0; i < OPS; i++) {
		const t = performance.now();
		await store.updateFamily(f.familyId, (c) => ({ ...c, generation: c.generation + 1 }));
		latencies.push(performance.now() - t);
	}
	const seconds = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	return {
		perSecond: OPS / seconds,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99)
	};
}

async function ceremony(store) {
	// graceMs 0: every iteration may lease the generation it just produced.
	const rotation = createRefreshTokenFamilyRotation({ store, graceMs: 0 });
	const f = await rotation.register({
		familyId: crypto.randomUUID(),
		subject: 'bench',
		payload: 'p',
		expiresAtMs: Date.now() + 3_600_000
	});
	const rounds = Math.max(1, Math.floor(OPS / 2));
	const latencies = [];
	for (let generation = 0; generation < rounds; generation++) {
		const t = performance.now();
		const leaseId = crypto.randomUUID();
		const lease = await rotation.acquireLease(f.familyId, { generation, leaseId });
		if (lease.outcome !== 'leased') throw new Error(`bench: expected leased, got ${lease.outcome}`);
		const rotated = await rotation.rotate(f.familyId, {
			leaseId,
			generation,
			payload: `p${generation + 1}`
		});
		if (rotated.outcome !== 'rotated')
			throw new Error(`bench: expected rotated, got ${rotated.outcome}`);
		latencies.push(performance.now() - t);
	}
	latencies.sort((a, b) => a - b);
	return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function contended(store) {
	const f = family();
	await store.registerFamily(f);
	let runs = 0;
	let commits = 0;
	let exhausted = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: WRITERS }, async () => {
			while (commits < CONTENDED_COMMITS) {
				try {
					const result = await store.updateFamily(
						f.familyId,
						(c) => (runs++, { ...c, generation: c.generation + 1 })
					);
					if (result.outcome === 'committed') commits++;
				} catch (error) {
					if (error?.reason !== 'conflict-exhausted') throw error;
					exhausted++;
				}
			}
		})
	);
	const seconds = (performance.now() - started) / 1000;
	const final = await store.findFamily(f.familyId);
	if (final.generation !== commits)
		throw new Error(`bench: lost updates (${final.generation} != ${commits})`);
	return { commitsPerSecond: commits / seconds, wastedRuns: (runs - commits) / commits, exhausted };
}

async function main() {
	// The Redis and PostgreSQL of SSO_REDIS_URL / SSO_DATABASE_URL when they answer (default: the
	// machine's on loopback), else throwaway servers on free ports for this run (tests/support/services.ts).
	const stopServices = await ensureServices(() => {});
	const redisAt = redisConnection();
	const ioredis = new Redis({
		...redisAt,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		enableOfflineQueue: false
	});
	await ioredis.connect();
	const nodeRedis = await createClient({
		socket: { host: redisAt.host, port: redisAt.port },
		...(redisAt.username ? { username: redisAt.username } : {}),
		...(redisAt.password ? { password: redisAt.password } : {}),
		disableOfflineQueue: true
	}).connect();
	const connection = postgresConnection();
	const sql = postgres({ ...connection, max: WRITERS, onnotice: () => {} });
	const pool = new pg.Pool({ ...connection, max: WRITERS });
	const table = `sso_bench_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
	const keyPrefix = `sso-bench:${crypto.randomUUID()}:`;
	const backends = [
		['memory', new InMemoryRefreshTokenFamilyStore()],
		['Redis, ioredis', new RedisRefreshTokenFamilyStore({ client: ioredis, keyPrefix })],
		['Redis, node-redis', new RedisRefreshTokenFamilyStore({ client: nodeRedis, keyPrefix })],
		['PostgreSQL, postgres.js', new PostgresRefreshTokenFamilyStore({ sql, table })],
		['PostgreSQL, pg', new PostgresRefreshTokenFamilyStore({ pool, table })]
	];
	const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
	const samples = new Map(backends.map(([name]) => [name, []]));
	try {
		await backends[3][1].ensureSchema();
		for (const [, store] of backends) await sequential(store); // warm-up: connections, statements, JIT
		// Backends alternate round by round so drift on the machine hits all of them alike.
		for (let round = 0; round < rounds; round++) {
			for (const [name, store] of backends) {
				const sample = {
					seq: await sequential(store),
					cer: await ceremony(store),
					con: await contended(store)
				};
				samples.get(name).push(sample);
				console.log(`round ${round + 1}`, name, JSON.stringify(sample));
			}
		}
	} finally {
		await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
		const keys = await ioredis.keys(`${keyPrefix}*`);
		if (keys.length > 0) await ioredis.del(...keys);
		ioredis.disconnect();
		await nodeRedis.close();
		await sql.end();
		await pool.end();
		await stopServices();
	}
	const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const rows = backends.map(([name]) => {
		const runs = samples.get(name);
		const m = (pick) => median(runs.map(pick));
		return {
			name,
			seq: {
				perSecond: m((r) => r.seq.perSecond),
				p50: m((r) => r.seq.p50),
				p99: m((r) => r.seq.p99)
			},
			cer: { p50: m((r) => r.cer.p50), p99: m((r) => r.cer.p99) },
			con: {
				commitsPerSecond: m((r) => r.con.commitsPerSecond),
				wastedRuns: m((r) => r.con.wastedRuns),
				exhausted: runs.reduce((sum, r) => sum + r.con.exhausted, 0)
			}
		};
	});

	const ms = (v) => v.toFixed(3);
	const report = `# Benchmark: compare-and-set round trips of the refresh-token family stores

Run ${new Date().toISOString()} with \`node --import tsx bench/stores.mjs\`, ${rounds} rounds alternating the backends (medians shown; conflict-exhausted summed over the rounds): ${OPS} sequential \`updateFamily\` calls per backend after a warm-up run, ${Math.floor(OPS / 2)} refresh ceremonies, and ${WRITERS} concurrent writers racing on one family until ${CONTENDED_COMMITS} commits. Family payload 1,200 bytes. Redis and PostgreSQL on loopback, same machine.

Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ioredis ${version('ioredis')}, redis ${version('redis')}, postgres ${version('postgres')}, pg ${version('pg')}.

| backend | sequential updates/s | update p50 (ms) | update p99 (ms) | ceremony p50 (ms) | ceremony p99 (ms) | contended commits/s | wasted updater runs per commit | conflict-exhausted |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows
	.map(
		({ name, seq, cer, con }) =>
			`| ${name} | ${Math.round(seq.perSecond)} | ${ms(seq.p50)} | ${ms(seq.p99)} | ${ms(cer.p50)} | ${ms(cer.p99)} | ${Math.round(con.commitsPerSecond)} | ${con.wastedRuns.toFixed(2)} | ${con.exhausted} |`
	)
	.join('\n')}

One \`updateFamily\` is one read plus one compare-and-set write (Redis: \`GET\` then an \`EVAL\` of the version check; PostgreSQL: \`SELECT\` then \`UPDATE … WHERE version = $2\`). A refresh ceremony is two of them (\`acquireLease\`, \`rotate\`), and the token-endpoint call between them dwarfs both. Under contention every lost race costs one more read and updater run; "wasted updater runs" counts them, and the final generation is checked against the number of commits, so a lost update would abort the benchmark.

The contended column is deliberately pathological: ten writers that all commit unconditionally, so each lost race is retried, and after 8 lost races in a row a call gives up with \`conflict-exhausted\` (bounded, as the seed requires) — PostgreSQL, with the longer round trip, loses more. In the SDK the writers on one family are the requests of one session racing for the lease, and a loser's second run sees the lease and aborts (\`busy\`) instead of retrying.
`;
	writeFileSync(new URL('./stores-results.md', import.meta.url), report);
	console.log(report);
	// For bench/run.ts, which folds these rows into bench/results.json.
	console.log(`BENCH_JSON ${JSON.stringify(rows)}`);
}

await main();
