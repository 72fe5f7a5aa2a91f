import { DEMO_FAPI_CLIENT_ID, DEMO_FAPI_PRIVATE_JWK, DEV_ACR_MFA } from '../dev/clients.js';
// The demo's configuration, from the environment. `npm run dev` starts the embedded dev identity
// provider on 127.0.0.1:4000 and sets nothing, so these defaults point at it.
const env = (name: string, fallback: string) => process.env[name] || fallback;

export const issuer = env('SSO_ISSUER', 'http://127.0.0.1:4000');
// SSO_PROFILE=fapi signs in as the dev IdP's FAPI 2.0 client: pushed authorization requests,
// private_key_jwt with its dev key, no secret (README "FAPI 2.0").
export const fapi = process.env.SSO_PROFILE === 'fapi';
export const clientId = env('SSO_CLIENT_ID', fapi ? DEMO_FAPI_CLIENT_ID : 'demo');
export const origin = env('ORIGIN', 'http://127.0.0.1:5173');
// The dev IdP speaks plain http on loopback; anything else must be https.
export const allowInsecureRequests = new URL(issuer).protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(new URL(issuer).hostname);

// SSO_OIDC_PUBLIC=1 makes the app a public client (no secret, PKCE only, e.g. SSO_CLIENT_ID=demo-public):
// one client id is public or confidential for every flow, so both hooks get the same answer.
export const clientSecret =
	process.env.SSO_OIDC_PUBLIC === '1' || fapi ? undefined : env('SSO_CLIENT_SECRET', 'demo-secret-demo-secret-demo-secret-00');
/**
 * How the app authenticates to the token endpoint. SSO_CLIENT_AUTH=client_secret_post for servers that
 * do not decode form-encoded Basic credentials; the FAPI profile signs a private_key_jwt.
 */
export const clientAuth = fapi
	? ({ method: 'private_key_jwt', key: { ...DEMO_FAPI_PRIVATE_JWK }, kid: DEMO_FAPI_PRIVATE_JWK.kid } as const)
	: clientSecret === undefined
		? ('none' as const)
		: process.env.SSO_CLIENT_AUTH === 'client_secret_post'
			? ('client_secret_post' as const)
			: ('client_secret_basic' as const);
/**
 * DPoP-bound tokens (RFC 9449): on for the FAPI profile, whose client the dev IdP registers with
 * dpop_bound_access_tokens; SSO_DPOP=1 asks for them with any client.
 */
export const dpop = fapi || process.env.SSO_DPOP === '1';
/** The step-up level of the demo's /dashboard/secure page: the dev IdP's multi-factor sign-in. */
export const stepUpAcr = env('SSO_STEP_UP_ACR', DEV_ACR_MFA);
/** How recent a sign-in the demo's /dashboard/recent page needs, in seconds. */
export const stepUpMaxAge = Number(env('SSO_STEP_UP_MAX_AGE', '300'));
// The other knobs shorten timings for tests.
const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
export const oidcTimings = {
	refreshLeewayMs: number('SSO_REFRESH_LEEWAY_MS'),
	refreshGraceMs: number('SSO_REFRESH_GRACE_MS'),
	refreshLeaseMs: number('SSO_REFRESH_LEASE_MS'),
	sessionCheckIntervalMs: number('SSO_SESSION_CHECK_INTERVAL_MS'),
	timeoutMs: number('SSO_TIMEOUT_MS')
};
export const fetchUserInfo = process.env.SSO_FETCH_USERINFO === '1';
// SSO_VERIFY_PROTOCOL=authrim-2026: the handoff verify call speaks Authrim's 2026 contract (DPoP);
// the dev IdP serves both unless DEV_IDP_HANDOFF_PROTOCOL narrows it. A wrong value stops the start.
export const verifyProtocol = (process.env.SSO_VERIFY_PROTOCOL || undefined) as 'seed-2025' | 'authrim-2026' | undefined;

/**
 * Where refresh-token families live: in memory (one instance), Redis when SSO_FAMILY_STORE=redis
 * (SSO_REDIS_URL, SSO_REDIS_PREFIX) or PostgreSQL when SSO_FAMILY_STORE=postgres (SSO_DATABASE_URL,
 * SSO_PG_TABLE), which several instances of the app share. SSO_REDIS_CLUSTER_NODES (`host:port,…`)
 * makes it a Redis Cluster instead of SSO_REDIS_URL; SSO_REDIS_CLIENT=node-redis uses node-redis
 * (`createCluster` / `createClient`) instead of ioredis (`Cluster` / `Redis`).
 */
export async function familyStore() {
	if (process.env.SSO_FAMILY_STORE === 'postgres') return postgresFamilyStore();
	if (process.env.SSO_FAMILY_STORE !== 'redis') return undefined;
	const { RedisRefreshTokenFamilyStore } = await import('./lib/redis/index.js');
	const client = process.env.SSO_REDIS_CLIENT === 'node-redis' ? await nodeRedisClient() : await ioredisClient();
	return new RedisRefreshTokenFamilyStore({ client, keyPrefix: env('SSO_REDIS_PREFIX', 'sso:') });
}

const clusterNodes = () =>
	process.env.SSO_REDIS_CLUSTER_NODES?.split(',').map((node) => {
		const at = node.lastIndexOf(':');
		return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
	});

// Both clients are configured to fail fast while Redis (or the master of a key's slot) is down, as the
// stores' TSDoc asks; their failures reach the SDK as store errors (`unavailable`, fail closed), so the
// error events are silenced. adapter-node's graceful shutdown closes them: an open connection would
// keep the process alive.
async function ioredisClient() {
	// Loaded at run time from node_modules, not bundled: only this opt-in needs it.
	const ioredis = process.env.SSO_REDIS_MODULE ?? 'ioredis';
	const { Redis, Cluster } = (await import(/* @vite-ignore */ ioredis)) as typeof import('ioredis');
	const redisOptions = { maxRetriesPerRequest: 1, commandTimeout: 2_000 };
	const nodes = clusterNodes();
	const client = nodes
		? new Cluster(nodes, { lazyConnect: true, enableOfflineQueue: false, redisOptions })
		: new Redis(env('SSO_REDIS_URL', 'redis://127.0.0.1:6379'), { lazyConnect: true, enableOfflineQueue: false, ...redisOptions });
	client.on('error', () => {});
	await client.connect();
	(process as NodeJS.EventEmitter).once('sveltekit:shutdown', () => client.disconnect());
	return client;
}

async function nodeRedisClient() {
	const nodeRedis = 'redis';
	const { createClient, createCluster } = (await import(/* @vite-ignore */ nodeRedis)) as typeof import('redis');
	const socket = { connectTimeout: 2_000 };
	const nodes = clusterNodes();
	const client = nodes
		? createCluster({ rootNodes: nodes.map((node) => ({ socket: node })), defaults: { disableOfflineQueue: true, socket } })
		: createClient({ url: env('SSO_REDIS_URL', 'redis://127.0.0.1:6379'), disableOfflineQueue: true, socket });
	client.on('error', () => {});
	await client.connect();
	(process as NodeJS.EventEmitter).once('sveltekit:shutdown', () => client.destroy());
	return client;
}

async function postgresFamilyStore() {
	// Loaded at run time from node_modules, not bundled: only this opt-in needs it.
	const module = process.env.SSO_POSTGRES_MODULE ?? 'postgres';
	const { default: postgres } = (await import(/* @vite-ignore */ module)) as { default: typeof import('postgres') };
	const { PostgresRefreshTokenFamilyStore } = await import('./lib/postgres/index.js');
	const sql = postgres(env('SSO_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test'), { max: 10, onnotice: () => {}, connect_timeout: 5 });
	(process as NodeJS.EventEmitter).once('sveltekit:shutdown', () => void sql.end({ timeout: 1 }));
	const store = new PostgresRefreshTokenFamilyStore({ sql, ...(process.env.SSO_PG_TABLE ? { table: process.env.SSO_PG_TABLE } : {}) });
	await store.ensureSchema();
	return store;
}
