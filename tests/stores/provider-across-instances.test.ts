import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebHandler } from '../../dev/node-adapter.js';
import { PostgresHandoffStateStore } from '../../src/lib/postgres/index.js';
import { createHandoffIssuer, createHandoffVerifyEndpoint } from '../../src/lib/provider/index.js';
import { RedisHandoffStateStore } from '../../src/lib/redis/index.js';
import type { HandoffStateStore } from '../../src/lib/stores/handoff-state-store.js';
import { postgresConnection, redisConnection } from '../support/services.js';

// Two instances of the verify endpoint — separate processes' worth of state, one shared store —
// each on its own loopback port, as two replicas behind a load balancer.
const SECRET = 'provider-secret-provider-secret-provider';
const ISSUER = 'https://idp.example.test';

async function serveInstance(store: HandoffStateStore): Promise<{ url: string; server: Server }> {
	const issuer = createHandoffIssuer({ issuer: ISSUER, secret: SECRET, store });
	const endpoint = createHandoffVerifyEndpoint({
		issuer,
		clients: { app: {} },
		issueTokens: ({ sub }) => ({
			access_token: `at-${sub}`,
			expires_in: 300,
			user: { id: sub },
			session: { id: `s-${sub}`, expiresAt: new Date(Date.now() + 60_000).toISOString() }
		})
	});
	const server = createServer((req, res) => void serveWebHandler(endpoint, req, res, 'http://127.0.0.1'));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const redis = new Redis({ ...redisConnection(), lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
const sql = postgres({ ...postgresConnection(), max: 4, onnotice: () => {} });
const table = `sso_handoff_x_${process.pid}`;
const prefix = `sso-test-x:${crypto.randomUUID()}:`;

beforeAll(() => redis.connect());
afterAll(async () => {
	const keys = await redis.keys(`${prefix}*`);
	if (keys.length > 0) await redis.del(...keys);
	redis.disconnect();
	await sql.unsafe(`drop table if exists ${table}`);
	await sql.end();
});

const backends: [string, () => Promise<HandoffStateStore>][] = [
	['Redis', async () => new RedisHandoffStateStore({ client: redis, keyPrefix: prefix })],
	[
		'PostgreSQL',
		async () => {
			const store = new PostgresHandoffStateStore({ sql, table });
			await store.ensureSchema();
			return store;
		}
	]
];

describe.each(backends)('two verify endpoints sharing one %s store', (_name, makeStore) => {
	let a: Awaited<ReturnType<typeof serveInstance>>;
	let b: Awaited<ReturnType<typeof serveInstance>>;
	let minter: ReturnType<typeof createHandoffIssuer>;
	beforeAll(async () => {
		a = await serveInstance(await makeStore());
		b = await serveInstance(await makeStore());
		minter = createHandoffIssuer({ issuer: ISSUER, secret: SECRET, store: await makeStore() });
	});
	afterAll(async () => {
		for (const s of [a, b]) {
			s.server.closeAllConnections();
			await new Promise((r) => s.server.close(r));
		}
	});

	const verify = (url: string, token: string, state: string) =>
		fetch(`${url}/verify`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify({ handoff_token: token, state, client_id: 'app' })
		});

	it('redeems a claim-checked token exactly once when both redeem it at the same moment, delivering the state once', async () => {
		for (let round = 0; round < 5; round++) {
			const carryOverState = { cart: 'x'.repeat(3000), round };
			const state = `state-${round}-${crypto.randomUUID()}`;
			const token = await minter.mint({ clientId: 'app', sub: 'alice', state, carryOverState });
			const answers = await Promise.all([verify(a.url, token, state), verify(b.url, token, state), verify(a.url, token, state), verify(b.url, token, state)]);
			const ok = answers.filter((r) => r.status === 200);
			expect(ok).toHaveLength(1);
			expect((await ok[0].json()).carry_over_state).toEqual(carryOverState);
			for (const refused of answers.filter((r) => r.status !== 200)) {
				expect(refused.status).toBe(400);
				expect(await refused.json()).toEqual({ error: 'invalid_grant' });
			}
		}
	});

	it('lets the other instance redeem a token the first never saw (control: the store is really shared)', async () => {
		const state = `state-${crypto.randomUUID()}`;
		const token = await minter.mint({ clientId: 'app', sub: 'bob', state, carryOverState: { big: 'y'.repeat(4000) } });
		const res = await verify(b.url, token, state);
		expect(res.status).toBe(200);
		expect((await res.json()).user.id).toBe('bob');
	});
});
