import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDpopKey } from '../../../../src/lib/crypto/dpop/dpop-key.js';
import { createDpopNonceMemory } from '../../../../src/lib/crypto/dpop/dpop-nonce-memory.js';
import { fetchWithDpop } from '../../../../src/lib/crypto/dpop/dpop-request.js';
import { fetchRememberingNonces, oauth4webapiDpop, retryOnceOnDpopNonce } from '../../../../src/lib/crypto/dpop/oauth4webapi-dpop.js';
import { checkDpopProof, createDpopReplayGuard, createDpopServerNonces } from '../../../../src/lib/provider/index.js';

// One key, one nonce memory, two senders: oauth4webapi's handle (the OIDC side) and fetchWithDpop (the
// handoff and resource side), against a real resource server on loopback that demands nonces and
// checks proofs with the provider's checker (RFC 9449 §7, §9).

const ACCESS_TOKEN = 'bound-access-token';
let server: Server;
let base: string;
let boundJkt = '';
let requests = 0;
const nonces = createDpopServerNonces({ clock: Date.now });
const replay = createDpopReplayGuard({ clock: Date.now });

beforeAll(async () => {
	server = createServer((req, res) => {
		requests++;
		const headers = new Headers();
		for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
		const url = new URL(req.url ?? '/', base);
		void (async () => {
			const token = /^DPoP (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
			if (token !== ACCESS_TOKEN) {
				res.writeHead(401, { 'www-authenticate': 'DPoP error="invalid_token"' }).end();
				return;
			}
			const check = await checkDpopProof({ headers, method: req.method ?? '', url, now: Date.now(), replay, nonces, accessToken: token, jkt: boundJkt });
			if (!check.ok) {
				const error = check.error === 'use_dpop_nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof';
				res.writeHead(401, { 'www-authenticate': `DPoP error="${error}"`, ...(error === 'use_dpop_nonce' ? { 'dpop-nonce': await nonces.issue() } : {}) }).end();
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
		})();
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('the DPoP key and nonce memory shared by oauth4webapi and fetchWithDpop', () => {
	it('oauth4webapi follows one nonce challenge, and fetchWithDpop then uses the nonce it learnt without a retry', async () => {
		const { key } = await generateDpopKey();
		boundJkt = key.thumbprint;
		const memory = createDpopNonceMemory();
		const handle = oauth4webapiDpop({}, key, memory);
		const url = new URL(`${base}/resource`);
		requests = 0;
		// Built apart from the call, as src/lib/server/http/discovery.ts builds oauth4webapi's options.
		const options = { DPoP: handle, [oauth.customFetch]: fetchRememberingNonces(fetch, memory), [oauth.allowInsecureRequests]: true };
		const response = await retryOnceOnDpopNonce(() => oauth.protectedResourceRequest(ACCESS_TOKEN, 'GET', url, new Headers(), null, options));
		expect(response.status).toBe(200);
		expect(requests).toBe(2);
		expect(memory.get(url)).toBeDefined();

		requests = 0;
		const again = await fetchWithDpop({ fetch, url, init: { method: 'GET' }, key, nonces: memory, accessToken: ACCESS_TOKEN, clock: Date.now });
		expect(again.status).toBe(200);
		expect(requests).toBe(1);
	});

	it('a proof from another key is refused even with a current nonce (the token is bound to the session key)', async () => {
		const { key } = await generateDpopKey();
		const { key: other } = await generateDpopKey();
		boundJkt = key.thumbprint;
		const memory = createDpopNonceMemory();
		const url = new URL(`${base}/resource`);
		const refused = await fetchWithDpop({ fetch, url, init: { method: 'GET' }, key: other, nonces: memory, accessToken: ACCESS_TOKEN, clock: Date.now });
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toContain('invalid_dpop_proof');
		const accepted = await fetchWithDpop({ fetch, url, init: { method: 'GET' }, key, nonces: memory, accessToken: ACCESS_TOKEN, clock: Date.now });
		expect(accepted.status).toBe(200);
	});
});
