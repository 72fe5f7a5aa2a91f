import { describe, expect, it, vi } from 'vitest';
import { createDpopNonceMemory } from '../../../src/lib/crypto/dpop/dpop-nonce-memory.js';
import { generateDpopKey, type DpopKey } from '../../../src/lib/crypto/dpop/dpop-key.js';
import { createDpopProof } from '../../../src/lib/crypto/dpop/dpop-proof.js';
import { fetchWithDpop } from '../../../src/lib/crypto/dpop/dpop-request.js';
import { createDpopServerNonces, createHandoffIssuer, createHandoffVerifyEndpoint, type HandoffVerifyProtocol, type IssuedHandoffTokens } from '../../../src/lib/provider/index.js';
import { InMemoryHandoffStateStore } from '../../../src/lib/stores/memory-handoff-state-store.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// Authrim's 2026 contract served by sveltekit-sso/provider (docs/CONTRACTS.md): real Fetch API
// requests into the Request → Response handler.

const ISSUER = 'http://127.0.0.1:4000';
const VERIFY = `${ISSUER}/auth/external/handoff/verify`;
const APP = 'https://app.example';
const T0 = 1_800_000_000_000;

const ISSUED: IssuedHandoffTokens = {
	access_token: 'at-123',
	expires_in: 3600,
	refresh_token: 'rt-456',
	user: { id: 'alice' },
	session: { id: 'sess-1', createdAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 86_400_000).toISOString() }
};

function setup(options: { protocols?: HandoffVerifyProtocol[]; dpopNonce?: boolean } = {}) {
	let now = T0;
	const clock = () => now;
	const issuer = createHandoffIssuer({ issuer: ISSUER, secret: TEST_SECRET, store: new InMemoryHandoffStateStore({ clock }), clock });
	const issueTokens = vi.fn(async () => structuredClone(ISSUED));
	const verify = createHandoffVerifyEndpoint({
		issuer,
		clients: { spa: { redirectUris: [`${APP}/auth/handoff/callback`] }, bare: {} },
		issueTokens,
		protocols: options.protocols ?? ['authrim-2026'],
		...(options.dpopNonce === undefined ? {} : { dpopNonce: options.dpopNonce }),
		clock
	});
	let n = 0;
	async function mint(clientId = 'spa') {
		const state = `state-${n++}`;
		return { state, token: await issuer.mint({ clientId, sub: 'alice', state }), clientId };
	}
	async function call(
		input: { token: string; state: string; clientId: string },
		opts: { key?: DpopKey | null; include?: string | null; origin?: string | null; referer?: string; url?: string; nonce?: string; proofUrl?: string } = {}
	) {
		const url = opts.url ?? `${VERIFY}${opts.include === null ? '' : `?include=${opts.include ?? 'session,user'}`}`;
		const headers: Record<string, string> = { 'content-type': 'application/json' };
		if (opts.origin !== null) headers.origin = opts.origin ?? APP;
		if (opts.referer) headers.referer = opts.referer;
		if (opts.key !== null) {
			const key = opts.key ?? (await generateDpopKey()).key;
			headers.dpop = await createDpopProof({ key, method: 'POST', url: opts.proofUrl ?? url, now, ...(opts.nonce ? { nonce: opts.nonce } : {}) });
		}
		return verify(new Request(url, { method: 'POST', headers, body: JSON.stringify({ handoff_token: input.token, state: input.state, client_id: input.clientId }) }));
	}
	return { verify, issueTokens, mint, call, clock, advance: (ms: number) => (now += ms) };
}

describe('createHandoffVerifyEndpoint under the authrim-2026 contract', () => {
	it('answers a DPoP grant with session and user, no refresh token, no client_id, bound to the proof key (jkt to issueTokens)', async () => {
		const { mint, call, issueTokens } = setup();
		const { key } = await generateDpopKey();
		const res = await call(await mint(), { key });
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(res.headers.get('pragma')).toBe('no-cache');
		expect(await res.json()).toEqual({
			token_type: 'DPoP',
			access_token: 'at-123',
			expires_in: 3600,
			session: { id: 'sess-1', userId: 'alice', createdAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 86_400_000).toISOString() },
			user: { id: 'alice', email: null, name: null, emailVerified: false }
		});
		expect(issueTokens).toHaveBeenCalledWith({ sub: 'alice', clientId: 'spa', jkt: key.thumbprint });
	});

	it('honours include: absent → neither session nor user; anything but session,user → 400', async () => {
		const { mint, call } = setup();
		const bare = await call(await mint(), { include: null });
		expect(bare.status).toBe(200);
		const body = await bare.json();
		expect(body).not.toHaveProperty('session');
		expect(body).not.toHaveProperty('user');
		for (const include of ['user,session', 'session', 'session,user,extra']) {
			const res = await call(await mint(), { include });
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'Unsupported include parameter' });
		}
		const twice = await call(await mint(), { url: `${VERIFY}?include=session,user&include=session,user` });
		expect(twice.status).toBe(400);
	});

	it('requires a DPoP proof (dpop_proof_missing), refuses an invalid one (dpop_proof_invalid), and does not spend the token', async () => {
		const { mint, call } = setup();
		const handoff = await mint();
		const missing = await call(handoff, { key: null });
		expect(missing.status).toBe(400);
		expect(await missing.json()).toMatchObject({ error: 'invalid_request', error_details: { code: 'dpop_proof_missing' } });
		const wrongHtu = await call(handoff, { proofUrl: `${ISSUER}/auth/external/handoff/finalize` });
		expect(await wrongHtu.json()).toMatchObject({ error_details: { code: 'dpop_proof_invalid' } });
		expect((await call(handoff)).status).toBe(200);
	});

	it('refuses a missing or foreign Origin, takes the Referer when Origin is absent, and refuses a client with no redirect URIs', async () => {
		const { mint, call } = setup();
		const handoff = await mint();
		for (const origin of [null, 'https://evil.example', 'https://app.example:8443']) {
			const res = await call(handoff, { origin });
			expect(res.status).toBe(403);
			expect(await res.json()).toMatchObject({ error_description: 'origin not allowed' });
		}
		expect((await call(handoff, { origin: null, referer: `${APP}/some/page?x=1` })).status).toBe(200);
		expect((await call(await mint('bare'), { origin: APP })).status).toBe(403);
	});

	it('with dpopNonce: use_dpop_nonce and a DPoP-Nonce first; fetchWithDpop retries once with it and remembers it', async () => {
		const { verify, mint, clock, advance } = setup({ dpopNonce: true });
		const { key } = await generateDpopKey();
		const nonces = createDpopNonceMemory();
		const seen: (string | null)[] = [];
		const fetcher = (async (input: URL, init: RequestInit) => {
			const request = new Request(input, init);
			seen.push(request.headers.get('dpop'));
			return verify(request);
		}) as typeof fetch;
		const send = async () => {
			const { token, state } = await mint();
			return fetchWithDpop({
				fetch: fetcher,
				url: new URL(`${VERIFY}?include=session,user`),
				init: { method: 'POST', headers: { 'content-type': 'application/json', origin: APP }, body: JSON.stringify({ handoff_token: token, state, client_id: 'spa' }) },
				key,
				nonces,
				clock
			});
		};
		const first = await send();
		expect(first.status).toBe(200);
		expect(seen).toHaveLength(2);
		expect(nonces.get(VERIFY)).toBe(first.headers.get('dpop-nonce'));
		const second = await send();
		expect(second.status).toBe(200);
		expect(seen).toHaveLength(3);
		// A stale nonce: the server's answer carries a fresh one, and one retry succeeds.
		advance(301_000);
		const third = await send();
		expect(third.status).toBe(200);
		expect(seen).toHaveLength(5);
	});

	it('never retries twice: a server that keeps demanding a new nonce gets its answer passed through', async () => {
		const { key } = await generateDpopKey();
		let calls = 0;
		const stubborn = (async () => {
			calls++;
			return new Response(JSON.stringify({ error: 'use_dpop_nonce' }), { status: 400, headers: { 'content-type': 'application/json', 'dpop-nonce': `n-${calls}` } });
		}) as unknown as typeof fetch;
		const res = await fetchWithDpop({ fetch: stubborn, url: new URL(VERIFY), init: { method: 'POST', body: '{}' }, key, nonces: createDpopNonceMemory(), clock: () => T0 });
		expect(res.status).toBe(400);
		expect(calls).toBe(2);
	});

	it('serving both contracts: a call without a proof or include gets the seed answer, a call with one the 2026 answer', async () => {
		const { mint, call } = setup({ protocols: ['seed-2025', 'authrim-2026'] });
		const seed = await call(await mint(), { key: null, include: null });
		expect(await seed.json()).toMatchObject({ token_type: 'Bearer', refresh_token: 'rt-456', client_id: 'spa' });
		const dpop = await call(await mint());
		expect(await dpop.json()).toMatchObject({ token_type: 'DPoP' });
	});

	it('two instances sharing a replay guard and a nonce key: a proof replayed at the other is refused, its nonce accepted there', async () => {
		const now = T0;
		const clock = () => now;
		const store = new InMemoryHandoffStateStore({ clock });
		const issuer = createHandoffIssuer({ issuer: ISSUER, secret: TEST_SECRET, store, clock });
		// What a shared store gives every instance: one jti memory (here one map), one nonce key.
		const seen = new Map<string, number>();
		const dpopReplayGuard = { claim: async (key: string, expiresAtMs: number) => (seen.has(key) ? false : (seen.set(key, expiresAtMs), true)) };
		const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
		const instance = () =>
			createHandoffVerifyEndpoint({
				issuer,
				clients: { spa: { redirectUris: [`${APP}/cb`] } },
				issueTokens: async () => structuredClone(ISSUED),
				protocols: ['authrim-2026'],
				dpopNonce: createDpopServerNonces({ clock, key }),
				dpopReplayGuard,
				clock
			});
		const [a, b] = [instance(), instance()];
		const { key: dpopKey } = await generateDpopKey();
		const request = async (token: string, state: string, nonce?: string, proof?: string) =>
			new Request(`${VERIFY}?include=session,user`, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					origin: APP,
					dpop: proof ?? (await createDpopProof({ key: dpopKey, method: 'POST', url: VERIFY, now, ...(nonce ? { nonce } : {}) }))
				},
				body: JSON.stringify({ handoff_token: token, state, client_id: 'spa' })
			});
		const first = await a(await request('x'.repeat(20), 's0'));
		expect(first.status).toBe(400);
		const nonce = first.headers.get('dpop-nonce')!;
		const state = 'state-shared';
		const token = await issuer.mint({ clientId: 'spa', sub: 'alice', state });
		const proof = await createDpopProof({ key: dpopKey, method: 'POST', url: VERIFY, now, nonce });
		// A's nonce is good at B.
		expect((await b(await request(token, state, undefined, proof))).status).toBe(200);
		// The same proof replayed at A is refused although A never saw it.
		const again = await issuer.mint({ clientId: 'spa', sub: 'alice', state: 'state-2' });
		expect(await (await a(await request(again, 'state-2', undefined, proof))).json()).toMatchObject({ error_details: { code: 'dpop_proof_invalid' } });
		expect((await a(await request(again, 'state-2', nonce))).status).toBe(200);
	});

	it('validates the new options at construction, naming them', () => {
		const issuer = createHandoffIssuer({ issuer: ISSUER, secret: TEST_SECRET, store: new InMemoryHandoffStateStore() });
		const base = { issuer, clients: { a: {} }, issueTokens: async () => ISSUED };
		expect(() => createHandoffVerifyEndpoint({ ...base, protocols: ['authrim-2027' as never] })).toThrow(/options\.protocols/);
		expect(() => createHandoffVerifyEndpoint({ ...base, protocols: [] })).toThrow(/options\.protocols/);
		expect(() => createHandoffVerifyEndpoint({ ...base, dpopNonce: 'yes' as never })).toThrow(/options\.dpopNonce/);
		expect(() => createHandoffVerifyEndpoint({ ...base, dpopReplayGuard: {} as never })).toThrow(/options\.dpopReplayGuard/);
		expect(() => createHandoffVerifyEndpoint({ ...base, clients: { a: { redirectUris: ['/relative'] } } })).toThrow(/redirectUris/);
	});
});
