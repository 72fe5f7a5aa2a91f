// The verify call authenticates as `clientAuth` says, against the package's own verify endpoint on
// loopback: client_secret_basic (the seed's), client_secret_post, and none for a public client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebHandler } from '../../../../dev/node-adapter.js';
import { createHandoffIssuer, createHandoffVerifyEndpoint } from '../../../../src/lib/provider/index.js';
import { createHandoffHandler } from '../../../../src/lib/server/handoff-handler.js';
import { InMemoryHandoffStateStore } from '../../../../src/lib/stores/memory-handoff-state-store.js';
import type { ServerAuthContext } from '../../../../src/lib/types.js';
import { fakeEvent, TEST_SECRET } from '../../../support/fake-event.js';

const SECRET = 'post-secret-0123456789';
let server: Server;
let issuerUrl: string;
let issuer: ReturnType<typeof createHandoffIssuer>;
const seen: { authorization: string | null; hasBodySecret: boolean }[] = [];

let verify: (request: Request) => Promise<Response>;

beforeAll(async () => {
	server = createServer((req, res) =>
		void serveWebHandler(
			async (request) => {
				const body = (await request.clone().json().catch(() => ({}))) as Record<string, unknown>;
				seen.push({ authorization: request.headers.get('authorization'), hasBodySecret: 'client_secret' in body });
				return verify(request);
			},
			req,
			res,
			issuerUrl
		)
	);
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	issuer = createHandoffIssuer({ issuer: issuerUrl, secret: TEST_SECRET, store: new InMemoryHandoffStateStore(), ttlSeconds: 60 });
	verify = createHandoffVerifyEndpoint({
		issuer,
		clients: { 'post-app': { secret: SECRET }, 'public-app': {} },
		issueTokens: ({ sub }) => ({
			access_token: `at-${crypto.randomUUID()}`,
			expires_in: 300,
			user: { id: sub },
			session: { id: `idp-${sub}`, expiresAt: new Date(Date.now() + 3_600_000) }
		})
	});
});
afterAll(() => new Promise((r) => server.close(r)));

async function handoff(clientId: string, options: Record<string, unknown>) {
	const state = `state-${crypto.randomUUID()}`;
	const token = await issuer.mint({ clientId, sub: 'alice', state });
	const handle = createHandoffHandler({ issuer: issuerUrl, clientId, secret: TEST_SECRET, allowInsecureRequests: true, ...options } as never);
	const event = fakeEvent(`http://127.0.0.1:5173/page?handoff_token=${encodeURIComponent(token)}&state=${state}`);
	const response = await handle({ event, resolve: async () => new Response('page') });
	return { location: response.headers.get('location'), auth: (event.locals as { auth?: ServerAuthContext }).auth };
}

describe('the verify call authenticates as clientAuth says', () => {
	it('client_secret_post: the secret in the JSON body, no Authorization header; a wrong one is invalid_client', async () => {
		seen.length = 0;
		expect((await handoff('post-app', { clientSecret: SECRET, clientAuth: 'client_secret_post' })).location).toBe('/page');
		expect(seen).toEqual([{ authorization: null, hasBodySecret: true }]);
		const refused = await handoff('post-app', { clientSecret: 'not-the-secret-at-all', clientAuth: 'client_secret_post', onError: () => {} });
		expect(refused.location).toBe('/login?error=invalid_client');
	});

	it('client_secret_basic (the default with a secret): HTTP Basic, nothing in the body', async () => {
		seen.length = 0;
		expect((await handoff('post-app', { clientSecret: SECRET, clientAuth: 'client_secret_basic' })).location).toBe('/page');
		expect(seen).toHaveLength(1);
		expect(seen[0].authorization).toMatch(/^Basic /);
		expect(seen[0].hasBodySecret).toBe(false);
	});

	it('none: a public client sends no credentials', async () => {
		seen.length = 0;
		expect((await handoff('public-app', {})).location).toBe('/page');
		expect(seen).toEqual([{ authorization: null, hasBodySecret: false }]);
	});
});
