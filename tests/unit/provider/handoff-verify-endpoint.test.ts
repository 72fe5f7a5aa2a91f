import { describe, expect, it, vi } from 'vitest';
import {
	createHandoffIssuer,
	createHandoffVerifyEndpoint,
	type IssuedHandoffTokens
} from '../../../src/lib/provider/index.js';
import { InMemoryHandoffStateStore } from '../../../src/lib/stores/memory-handoff-state-store.js';
import type { HandoffStateStore } from '../../../src/lib/stores/handoff-state-store.js';
import { base64urlToBytes, bytesToBase64url } from '../../../src/lib/crypto/base64url.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// The endpoint is a Request → Response handler: these tests give it real Fetch API requests (bodies
// as streams, real headers) and read real responses, the same objects a server adapter passes.

const SECRET = TEST_SECRET;
const ISSUER = 'http://127.0.0.1:4000';
const URL_ = `${ISSUER}/auth/external/handoff/verify`;
const APP_SECRET = 'app-secret-app-secret-app-secret-0000';
const T0 = 1_800_000_000_000;

const ISSUED: IssuedHandoffTokens = {
	access_token: 'at-123',
	expires_in: 3600,
	refresh_token: 'rt-456',
	user: { id: 'alice', email: 'alice@example.test', name: 'Alice' },
	session: { id: 'sess-1', expiresAt: new Date(T0 + 86_400_000).toISOString() }
};

function setup(options: { issueTokens?: () => unknown; storeFault?: { error: Error | null } } = {}) {
	let now = T0;
	const clock = () => now;
	const inner = new InMemoryHandoffStateStore({ clock });
	const fault = options.storeFault ?? { error: null };
	const store: HandoffStateStore = {
		set: (id, state, ttl) => inner.set(id, state, ttl),
		async getAndDelete(id) {
			if (fault.error) throw fault.error;
			return inner.getAndDelete(id);
		}
	};
	const issuer = createHandoffIssuer({ issuer: ISSUER, secret: SECRET, store, clock });
	const issueTokens = vi.fn(options.issueTokens ?? (async () => structuredClone(ISSUED)));
	const onError = vi.fn();
	const verify = createHandoffVerifyEndpoint({
		issuer,
		clients: { app: { secret: APP_SECRET }, spa: {}, 'odd:id': { secret: 'p@ss:w+rd %' } },
		issueTokens: issueTokens as never,
		onError
	});
	return {
		issuer,
		verify,
		issueTokens,
		onError,
		fault,
		advance(ms: number) {
			now += ms;
		}
	};
}

function basic(clientId: string, secret: string): string {
	const form = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
	return `Basic ${btoa(`${form(clientId)}:${form(secret)}`)}`;
}

function post(
	body: unknown,
	options: { authorization?: string | null; contentType?: string; raw?: string | Uint8Array<ArrayBuffer>; method?: string } = {}
): Request {
	const headers = new Headers({ 'content-type': options.contentType ?? 'application/json' });
	const authorization = options.authorization === undefined ? basic('app', APP_SECRET) : options.authorization;
	if (authorization !== null) headers.set('authorization', authorization);
	const method = options.method ?? 'POST';
	return new Request(URL_, {
		method,
		headers,
		...(method === 'GET' || method === 'HEAD' ? {} : { body: options.raw ?? JSON.stringify(body) })
	});
}

async function mintFor(issuer: ReturnType<typeof setup>['issuer'], clientId = 'app', carryOverState?: Record<string, unknown>) {
	const state = `state-${crypto.randomUUID()}`;
	const handoff_token = await issuer.mint({ clientId, sub: 'alice', state, ...(carryOverState ? { carryOverState } : {}) });
	return { handoff_token, state, client_id: clientId };
}

async function expectError(response: Response, status: number, error: string) {
	expect(response.status).toBe(status);
	expect(response.headers.get('cache-control')).toBe('no-store');
	expect(response.headers.get('content-type')).toMatch(/^application\/json/);
	expect(await response.json()).toEqual({ error });
}

describe('createHandoffVerifyEndpoint: success', () => {
	it('answers 200 with the seed’s wire shape, no-store, and asks issueTokens once', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer, 'app', { returnTo: '/cart?x=1&y=2#z', note: 'grüße 100%' });
		const response = await verify(post(body));
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(response.headers.get('pragma')).toBe('no-cache');
		expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(await response.json()).toEqual({
			token_type: 'Bearer',
			access_token: 'at-123',
			expires_in: 3600,
			refresh_token: 'rt-456',
			client_id: 'app',
			session: ISSUED.session,
			user: ISSUED.user,
			carry_over_state: { returnTo: '/cart?x=1&y=2#z', note: 'grüße 100%' }
		});
		expect(issueTokens).toHaveBeenCalledTimes(1);
		expect(issueTokens).toHaveBeenCalledWith({ sub: 'alice', clientId: 'app' });
	});

	it('omits refresh_token and carry_over_state when there are none, and serializes a Date expiresAt', async () => {
		const expiresAt = new Date(T0 + 1000);
		const { issuer, verify } = setup({
			issueTokens: async () => ({ access_token: 'at', expires_in: 60, user: { id: 'alice' }, session: { id: 's', expiresAt } })
		});
		const response = await verify(post(await mintFor(issuer)));
		expect(await response.json()).toEqual({
			token_type: 'Bearer',
			access_token: 'at',
			expires_in: 60,
			client_id: 'app',
			session: { id: 's', expiresAt: expiresAt.toISOString() },
			user: { id: 'alice' }
		});
	});

	it('round-trips claim-checked carry-over state of 2049+ bytes', async () => {
		const { issuer, verify } = setup();
		const carry = { blob: 'ä&#%'.repeat(600) };
		const response = await verify(post(await mintFor(issuer, 'app', carry)));
		expect(response.status).toBe(200);
		expect((await response.json()).carry_over_state).toEqual(carry);
	});

	it('accepts a public client that sends no credentials', async () => {
		const { issuer, verify } = setup();
		const response = await verify(post(await mintFor(issuer, 'spa'), { authorization: null }));
		expect(response.status).toBe(200);
		expect((await response.json()).client_id).toBe('spa');
	});
});

describe('createHandoffVerifyEndpoint: replay (H4, K2)', () => {
	it('answers invalid_grant to a sequential replay', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer);
		expect((await verify(post(body))).status).toBe(200);
		await expectError(await verify(post(body)), 400, 'invalid_grant');
		expect(issueTokens).toHaveBeenCalledTimes(1);
	});

	it('lets exactly one of two concurrent verify requests succeed', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer);
		const responses = await Promise.all([verify(post(body)), verify(post(body))]);
		expect(responses.map((r) => r.status).sort()).toEqual([200, 400]);
		expect(issueTokens).toHaveBeenCalledTimes(1);
	});
});

describe('createHandoffVerifyEndpoint: binding', () => {
	it('rejects a wrong state with invalid_grant and the right one still succeeds', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		await expectError(await verify(post({ ...body, state: `${body.state}x` })), 400, 'invalid_grant');
		expect((await verify(post(body))).status).toBe(200);
	});

	it('rejects a token minted for another client, although that client authenticated', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer, 'app');
		await expectError(await verify(post({ ...body, client_id: 'spa' }, { authorization: null })), 400, 'invalid_grant');
		expect((await verify(post(body))).status).toBe(200);
	});

	it('rejects a tampered token with invalid_grant (K1)', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		const [encoded, mac] = body.handoff_token.split('.');
		const bytes = base64urlToBytes(mac)!;
		bytes[5] ^= 0x80;
		await expectError(await verify(post({ ...body, handoff_token: `${encoded}.${bytesToBase64url(bytes)}` })), 400, 'invalid_grant');
		expect((await verify(post(body))).status).toBe(200);
	});

	it('answers expired_token after the token lifetime', async () => {
		const { issuer, verify, advance } = setup();
		const body = await mintFor(issuer);
		advance(60_000);
		await expectError(await verify(post(body)), 400, 'expired_token');
		advance(-1);
		expect((await verify(post(body))).status).toBe(200);
	});
});

describe('createHandoffVerifyEndpoint: client authentication', () => {
	it('answers 401 invalid_client to a confidential client with a wrong, missing or foreign Basic credential', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer);
		const attempts: Array<string | null> = [
			null,
			basic('app', 'wrong-secret'),
			basic('app', `${APP_SECRET}x`),
			basic('app', APP_SECRET.slice(0, -1)),
			basic('spa', APP_SECRET),
			basic('odd:id', 'p@ss:w+rd %'),
			`Bearer ${APP_SECRET}`,
			'Basic',
			'Basic !!!',
			`Basic ${btoa('app')}`,
			`Basic ${btoa(`app:${APP_SECRET}`)}x`
		];
		for (const authorization of attempts) {
			const response = await verify(post(body, { authorization }));
			expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
			await expectError(response, 401, 'invalid_client');
		}
		expect(issueTokens).not.toHaveBeenCalled();
		// None of the failed attempts consumed the token.
		expect((await verify(post(body))).status).toBe(200);
	});

	it('decodes form-encoded Basic credentials (RFC 6749 §2.3.1)', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer, 'odd:id');
		await expectError(await verify(post(body, { authorization: basic('odd:id', 'p@ss:w+rd') })), 401, 'invalid_client');
		expect((await verify(post(body, { authorization: basic('odd:id', 'p@ss:w+rd %') }))).status).toBe(200);
	});

	it('accepts the secret in the body (client_secret_post) as it accepts Basic, by one method per request', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer);
		await expectError(await verify(post({ ...body, client_secret: 'wrong-secret' }, { authorization: null })), 401, 'invalid_client');
		// Both methods at once (RFC 6749 §2.3), even with the right secret twice.
		await expectError(await verify(post({ ...body, client_secret: APP_SECRET }, { authorization: basic('app', APP_SECRET) })), 401, 'invalid_client');
		const spa = await mintFor(issuer, 'spa');
		await expectError(await verify(post({ ...spa, client_secret: 'anything' }, { authorization: null })), 401, 'invalid_client');
		expect(issueTokens).not.toHaveBeenCalled();
		expect((await verify(post({ ...body, client_secret: APP_SECRET }, { authorization: null }))).status).toBe(200);
	});

	it('rejects a public client that sends credentials and an unknown client', async () => {
		const { issuer, verify } = setup();
		const spa = await mintFor(issuer, 'spa');
		await expectError(await verify(post(spa, { authorization: basic('spa', 'anything') })), 401, 'invalid_client');
		const unknown = await mintFor(issuer, 'unknown');
		await expectError(await verify(post(unknown, { authorization: null })), 401, 'invalid_client');
		await expectError(await verify(post({ ...spa, client_id: '__proto__' }, { authorization: null })), 401, 'invalid_client');
		expect((await verify(post(spa, { authorization: null }))).status).toBe(200);
	});
});

describe('createHandoffVerifyEndpoint: request validation', () => {
	it('answers 405 with Allow: POST to other methods', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
			const response = await verify(post(body, { method }));
			expect(response.status).toBe(405);
			expect(response.headers.get('allow')).toBe('POST');
		}
		expect((await verify(post(body))).status).toBe(200);
	});

	it('answers invalid_request to bodies that are not exactly the three string fields, without consuming the token', async () => {
		const { issuer, verify, issueTokens } = setup();
		const body = await mintFor(issuer);
		const { handoff_token, state, client_id } = body;
		const q = JSON.stringify;
		const raws = [
			`{"handoff_token":${q(handoff_token)},"state":${q(state)},"state":${q(state)},"client_id":"app"}`,
			`{"handoff_token":${q(handoff_token)},"state":{"a":1},"state":${q(state)},"client_id":"app"}`,
			`{"handoff_token":${q(handoff_token)},"state":${q(state)},"\\u0073tate":${q(state)},"client_id":"app"}`,
			`{"handoff_token":${q(handoff_token)},"client_id":"spa","state":${q(state)},"client_id":"app"}`,
			q({ ...body, extra: 'x' }),
			q({ handoff_token, state }),
			q({ ...body, state: 42 }),
			q({ ...body, state: null }),
			q({ ...body, handoff_token: [handoff_token] }),
			q({ ...body, state: '' }),
			q([body]),
			'null',
			'"text"',
			`{"handoff_token":${q(handoff_token)},`,
			''
		];
		for (const raw of raws) {
			await expectError(await verify(post(null, { raw })), 400, 'invalid_request');
		}
		await expectError(await verify(post(null, { raw: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) })), 400, 'invalid_request');
		expect(issueTokens).not.toHaveBeenCalled();
		expect((await verify(post(body))).status).toBe(200);
	});

	it('answers invalid_request to other content types and accepts application/json with a utf-8 charset', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/json; charset=latin1']) {
			await expectError(await verify(post(body, { contentType })), 400, 'invalid_request');
		}
		expect((await verify(post(body, { contentType: 'Application/JSON; charset=UTF-8' }))).status).toBe(200);
	});

	it('refuses a body over 16 KB and accepts the same body at exactly 16 KB', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		const json = JSON.stringify(body);
		const padded = (size: number) => json.slice(0, -1) + ' '.repeat(size - json.length) + '}';
		expect(new TextEncoder().encode(padded(16 * 1024 + 1)).length).toBe(16 * 1024 + 1);
		await expectError(await verify(post(null, { raw: padded(16 * 1024 + 1) })), 400, 'invalid_request');
		// Streamed without Content-Length: the cap is enforced while reading, not only from the header.
		const bytes = new TextEncoder().encode(padded(64 * 1024));
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.slice(i, i + 4096));
				controller.close();
			}
		});
		const streamed = new Request(URL_, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: basic('app', APP_SECRET) },
			body: stream,
			duplex: 'half'
		} as RequestInit);
		expect(streamed.headers.get('content-length')).toBeNull();
		await expectError(await verify(streamed), 400, 'invalid_request');
		expect((await verify(post(null, { raw: padded(16 * 1024) }))).status).toBe(200);
	});

	it('refuses a body whose declared length is over 16 KB without reading it', async () => {
		const { issuer, verify } = setup();
		const body = await mintFor(issuer);
		let pulls = 0;
		const request = (contentLength: number) =>
			new Request(URL_, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'content-length': String(contentLength),
					authorization: basic('app', APP_SECRET)
				},
				// highWaterMark 0: the stream is pulled only when someone reads it.
				body: new ReadableStream<Uint8Array>(
					{
						pull(controller) {
							pulls++;
							controller.enqueue(new TextEncoder().encode(JSON.stringify(body)));
							controller.close();
						}
					},
					{ highWaterMark: 0 }
				),
				duplex: 'half'
			} as RequestInit);
		await expectError(await verify(request(16 * 1024 + 1)), 400, 'invalid_request');
		expect(pulls).toBe(0);
		expect((await verify(request(JSON.stringify(body).length))).status).toBe(200);
		expect(pulls).toBe(1);
	});
});

describe('createHandoffVerifyEndpoint: faults', () => {
	it('answers 500 server_error without internals when the store throws, and fails closed', async () => {
		const fault = { error: null as Error | null };
		const { issuer, verify, issueTokens } = setup({ storeFault: fault });
		const body = await mintFor(issuer);
		fault.error = new Error('redis://user:pw@10.0.0.5 ECONNREFUSED');
		const response = await verify(post(body));
		expect(response.status).toBe(500);
		expect(await response.text()).toBe('{"error":"server_error"}');
		expect(issueTokens).not.toHaveBeenCalled();
		fault.error = null;
		expect((await verify(post(body))).status).toBe(200);
	});

	it('answers 500 server_error when issueTokens throws or returns the wrong shape, and reports it', async () => {
		const failing = setup({
			issueTokens: async () => {
				throw new Error('database down at 10.0.0.7');
			}
		});
		const response = await failing.verify(post(await mintFor(failing.issuer)));
		expect(response.status).toBe(500);
		expect(await response.text()).toBe('{"error":"server_error"}');
		expect(failing.onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'database down at 10.0.0.7' }));

		const malformed = [
			{ ...ISSUED, access_token: '' },
			{ ...ISSUED, expires_in: '3600' },
			{ ...ISSUED, user: {} },
			{ ...ISSUED, session: { id: 's', expiresAt: 'tomorrow' } },
			{ ...ISSUED, refresh_token: 5 },
			null
		];
		for (const result of malformed) {
			const { issuer, verify, onError } = setup({ issueTokens: async () => result });
			await expectError(await verify(post(await mintFor(issuer))), 500, 'server_error');
			expect(onError).toHaveBeenCalledTimes(1);
		}
	});
});

describe('createHandoffVerifyEndpoint: options', () => {
	it('accepts only an issuer made by createHandoffIssuer and names the bad option', () => {
		const issuer = createHandoffIssuer({ issuer: ISSUER, secret: SECRET, store: new InMemoryHandoffStateStore() });
		const make = (options: Record<string, unknown>) => () =>
			createHandoffVerifyEndpoint({ issuer, clients: { app: {} }, issueTokens: async () => ISSUED, ...options } as never);
		const lookalike = { issuer: ISSUER, mint: issuer.mint, redeem: async () => ({ ok: true, sub: 'x', clientId: 'app' }) };
		expect(make({ issuer: lookalike })).toThrow('createHandoffVerifyEndpoint: options.issuer must be created by createHandoffIssuer');
		expect(make({ clients: {} })).toThrow('createHandoffVerifyEndpoint: options.clients');
		expect(make({ clients: { app: { secret: '' } } })).toThrow('options.clients["app"].secret');
		expect(make({ issueTokens: undefined })).toThrow('createHandoffVerifyEndpoint: options.issueTokens must be a function');
		expect(make({ issueTokens: undefined })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
		expect(make({})).not.toThrow();
	});
});

describe('app-initiated handoffs bound to the browser that started them (PKCE, X6)', () => {
	const verifier = 'v'.repeat(20) + 'erifier-of-this-browser-0123456789';
	const challenge = async (value: string) => bytesToBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))));

	it("refuses a public client's bound token presented without the verifier, or with another one, and accepts the right one once", async () => {
		const { issuer, verify } = setup();
		const token = await issuer.mint({ clientId: 'spa', sub: 'alice', state: 'hoa_state-1', codeChallenge: await challenge(verifier) });
		// The attack: whoever holds the handoff URL (history, a proxy log) redeems it as the public client.
		const stolen = await verify(post({ handoff_token: token, state: 'hoa_state-1', client_id: 'spa' }, { authorization: null }));
		expect(stolen.status).toBe(400);
		expect(await stolen.json()).toEqual({ error: 'invalid_grant' });
		const wrong = await verify(post({ handoff_token: token, state: 'hoa_state-1', client_id: 'spa', code_verifier: 'w'.repeat(43) }, { authorization: null }));
		expect(await wrong.json()).toEqual({ error: 'invalid_grant' });
		// The browser that started it: its app sends the verifier from its transaction.
		const own = await verify(post({ handoff_token: token, state: 'hoa_state-1', client_id: 'spa', code_verifier: verifier }, { authorization: null }));
		expect(own.status).toBe(200);
		const again = await verify(post({ handoff_token: token, state: 'hoa_state-1', client_id: 'spa', code_verifier: verifier }, { authorization: null }));
		expect(await again.json()).toEqual({ error: 'invalid_grant' });
	});

	it('keeps the seed wire format for tokens minted without a challenge, and refuses any other extra member', async () => {
		const { issuer, verify } = setup();
		const token = await issuer.mint({ clientId: 'spa', sub: 'alice', state: 'idp-state-1' });
		expect((await verify(post({ handoff_token: token, state: 'idp-state-1', client_id: 'spa' }, { authorization: null }))).status).toBe(200);
		const other = await issuer.mint({ clientId: 'spa', sub: 'alice', state: 'idp-state-2' });
		const extra = await verify(post({ handoff_token: other, state: 'idp-state-2', client_id: 'spa', nonce: 'x' }, { authorization: null }));
		expect(await extra.json()).toEqual({ error: 'invalid_request' });
	});

	it('refuses to mint with a challenge that is not S256', async () => {
		const { issuer } = setup();
		await expect(issuer.mint({ clientId: 'spa', sub: 'alice', state: 's', codeChallenge: 'plain-verifier' })).rejects.toThrow(/codeChallenge must be an S256 code_challenge/);
	});
});
