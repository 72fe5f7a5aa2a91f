import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { s256Challenge } from '../../../../src/lib/crypto/pkce.js';
import { createHandoffHandler } from '../../../../src/lib/server/handoff-handler.js';
import { fakeEvent, TEST_SECRET } from '../../../support/fake-event.js';
import { CookieJar } from '../../../support/kit-cookies.js';

vi.spyOn(console, 'warn').mockImplementation(() => {});

// App-initiated handoffs with options.pkce: the start sends an S256 code_challenge, the verify call the
// code_verifier of this browser's transaction (docs/SECURITY.md X6). Without it, seed 001's wire format.
const APP = 'https://app.example';
let issuer: string;
const bodies: Record<string, unknown>[] = [];
const server = createServer((req, res) => {
	let raw = '';
	req.on('data', (c) => (raw += c));
	req.on('end', () => {
		bodies.push(JSON.parse(raw));
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ token_type: 'Bearer', access_token: 'at', expires_in: 60, user: { id: 'u1' }, session: { id: 's1' } }));
	});
});
beforeAll(async () => {
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

async function startAndReturn(pkce: boolean) {
	const handle = createHandoffHandler({
		issuer,
		clientId: `pkce-${pkce}`,
		secret: TEST_SECRET,
		allowInsecureRequests: true,
		origin: APP,
		authorizationEndpoint: 'https://idp.example/authorize',
		...(pkce ? { pkce } : {})
	});
	const jar = new CookieJar();
	const start = fakeEvent(`${APP}/auth/handoff?returnTo=%2Fdashboard`);
	const started = await handle({ event: start, resolve: async () => new Response('page') });
	jar.apply([...started.headers.getSetCookie(), ...start.kit.setCookies()]);
	const authorize = new URL(started.headers.get('location')!);
	const state = authorize.searchParams.get('state')!;
	const back = fakeEvent(`${APP}/auth/handoff/callback?handoff_token=token-0123456789abcdef&state=${state}`, { cookie: jar.header() });
	const arrived = await handle({ event: back, resolve: async () => new Response('page') });
	return { authorize, arrived, body: bodies.at(-1)! };
}

describe('app-initiated handoffs and PKCE (X6)', () => {
	it('sends the challenge at the start and the matching verifier on the verify call with options.pkce', async () => {
		const { authorize, arrived, body } = await startAndReturn(true);
		expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
		expect(arrived.headers.get('location')).toBe('/dashboard');
		expect(typeof body.code_verifier).toBe('string');
		expect(await s256Challenge(body.code_verifier as string)).toBe(authorize.searchParams.get('code_challenge'));
	});

	it("keeps seed 001's wire format without it: no challenge, and exactly three members on the verify call", async () => {
		const { authorize, arrived, body } = await startAndReturn(false);
		expect(authorize.searchParams.has('code_challenge')).toBe(false);
		expect(arrived.headers.get('location')).toBe('/dashboard');
		expect(Object.keys(body).sort()).toEqual(['client_id', 'handoff_token', 'state']);
	});
});
