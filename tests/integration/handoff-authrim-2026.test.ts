// Authrim's 2026 handoff contract (docs/CONTRACTS.md) over HTTP: the demo's handoff handler with
// `verifyProtocol: 'authrim-2026'` against sveltekit-sso/provider (the dev IdP) and against a stand-in
// that enforces exactly ../shared/AUTHRIM-2026.md.
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../src/lib/cookies/seal.js';
import { generateDpopKey, importDpopKey, toPrivateJwk } from '../../src/lib/crypto/dpop/dpop-key.js';
import { fetchWithBoundToken } from '../../src/lib/crypto/dpop/dpop-bound-call.js';
import { createDpopNonceMemory } from '../../src/lib/crypto/dpop/dpop-nonce-memory.js';
import { createDpopProof } from '../../src/lib/crypto/dpop/dpop-proof.js';
import { freePort, get, startApp, TEST_SECRET, type RunningApp } from '../support/app-server.js';
import { startAuthrimStandIn, type AuthrimStandIn } from '../support/authrim-2026-stand-in.js';
import { cookieHeaderFrom, startIdpAndApp } from '../support/handoff-env.js';

let n = 0;
const freshState = () => `idp-state-${Date.now()}-${n++}-abcdefgh`;
const handoffUrl = (app: RunningApp, token: string, state: string) =>
	`${app.url}/dashboard?handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`;
const whoami = async (app: RunningApp, cookie: string) => (await get(`${app.url}/api/whoami`, { cookie })).json();

/** The token set sealed in the session cookie, opened with the app's secret as only the server can. */
async function sealedTokens(cookie: string): Promise<Record<string, unknown>> {
	const value = /(?:^|; )sso=([^;]+)/.exec(cookie)?.[1];
	expect(value).toBeDefined();
	const opened = await createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: Date.now }).open<{ s: { tokens: Record<string, unknown> } }>(value!);
	return opened!.payload.s.tokens;
}

describe('the 2026 contract between our handoff handler and our provider (dev IdP, nonce demanded)', () => {
	let env: Awaited<ReturnType<typeof startIdpAndApp>>;
	beforeAll(async () => {
		env = await startIdpAndApp({ SSO_VERIFY_PROTOCOL: 'authrim-2026' }, { handoffProtocols: ['authrim-2026'], handoffDpopNonce: true });
	});
	afterAll(() => env?.stop());

	it('signs in with a DPoP-bound token after one nonce retry, then without one once the nonce is remembered', async () => {
		env.idp.resetCounters();
		const state = freshState();
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const res = await get(handoffUrl(env.app, token, state));
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/dashboard');
		// The first call had no nonce: use_dpop_nonce, then exactly one retry with it.
		expect(env.idp.counters.verifyCalls).toBe(2);
		expect(env.idp.counters.verifySuccesses).toBe(1);
		const cookie = cookieHeaderFrom(res);
		expect(await whoami(env.app, cookie)).toMatchObject({ isAuthenticated: true, user: { id: 'alice', email: 'alice@example.test' }, hasAccessToken: true });

		const second = freshState();
		const again = await get(handoffUrl(env.app, await env.idp.mintHandoff({ sub: 'bob', clientId: 'demo', state: second }), second));
		expect(again.status).toBe(303);
		expect(env.idp.counters.verifyCalls).toBe(3);
	});

	it('keeps the DPoP key sealed with the session, so a later call with the token proves it; Bearer and another key are refused', async () => {
		const state = freshState();
		const res = await get(handoffUrl(env.app, await env.idp.mintHandoff({ sub: 'carol', clientId: 'demo', state }), state));
		const cookie = cookieHeaderFrom(res);
		const tokens = await sealedTokens(cookie);
		expect(tokens.tokenType).toBe('DPoP');
		const jwk = toPrivateJwk(tokens.dpop);
		expect(jwk).not.toBeNull();
		// The cookie is a JWE: neither the private key nor the token is in it in a form that decodes.
		expect(cookie).not.toContain(jwk!.d);
		expect(cookie).not.toContain(tokens.accessToken as string);
		expect(decodeProtectedHeader(/sso=([^;]+)/.exec(cookie)![1])).toMatchObject({ alg: 'dir', enc: 'A256GCM' });

		const userinfo = `${env.idp.issuer}/me`;
		const call = async (authorization: string, proof?: string) =>
			fetch(userinfo, { headers: { authorization, ...(proof ? { dpop: proof } : {}) } });
		const accessToken = tokens.accessToken as string;
		const key = await importDpopKey(jwk!);
		// Replayed as a Bearer token: refused.
		expect((await call(`Bearer ${accessToken}`)).status).toBe(401);
		// A proof from another key: refused.
		const { key: other } = await generateDpopKey();
		expect((await call(`DPoP ${accessToken}`, await createDpopProof({ key: other, method: 'GET', url: userinfo, accessToken, now: Date.now() }))).status).toBe(401);
		// The session's own key: accepted, by hand and through the helper a resource call uses.
		const ok = await call(`DPoP ${accessToken}`, await createDpopProof({ key, method: 'GET', url: userinfo, accessToken, now: Date.now() }));
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ sub: 'carol' });
		const viaHelper = await fetchWithBoundToken(
			{ accessToken, dpop: tokens.dpop },
			{ fetch, url: new URL(userinfo), init: { method: 'GET' }, nonces: createDpopNonceMemory(), clock: Date.now }
		);
		expect(viaHelper.status).toBe(200);
		// The same through locals.auth.fetch, in the app: the route never sees the key.
		const viaApp = await fetch(`${env.app.url}/api/userinfo`, { headers: { cookie } });
		expect(await viaApp.json()).toMatchObject({ status: 200, body: { sub: 'carol' } });
		await expect(fetchWithBoundToken({ accessToken, dpop: undefined }, { fetch, url: new URL(userinfo), init: { method: 'GET' }, nonces: createDpopNonceMemory(), clock: Date.now })).rejects.toThrow(TypeError);
	});

	it('refuses a seed-2025 call (no proof) when it serves only the 2026 contract', async () => {
		const state = freshState();
		const token = await env.idp.mintHandoff({ sub: 'dave', clientId: 'demo', state });
		const res = await fetch(`${env.idp.issuer}/auth/external/handoff/verify`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: env.app.url, authorization: `Basic ${btoa('demo:demo-secret-demo-secret-demo-secret-00')}` },
			body: JSON.stringify({ handoff_token: token, state, client_id: 'demo' })
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: 'invalid_request', error_details: { code: 'dpop_proof_missing' } });
	});
});

describe('the 2026 contract against a stand-in enforcing exactly AUTHRIM-2026.md', () => {
	let standIn: AuthrimStandIn;
	let app2026: RunningApp;
	let app2025: RunningApp;
	beforeAll(async () => {
		const [p1, p2] = [await freePort(), await freePort()];
		standIn = await startAuthrimStandIn({
			clients: { demo: [`http://127.0.0.1:${p1}/auth/handoff/callback`, `http://127.0.0.1:${p2}/auth/handoff/callback`] }
		});
		[app2026, app2025] = await Promise.all([
			startApp({ SSO_ISSUER: standIn.issuer, SSO_VERIFY_PROTOCOL: 'authrim-2026' }, { port: p1 }),
			startApp({ SSO_ISSUER: standIn.issuer }, { port: p2 })
		]);
	});
	afterAll(async () => {
		await Promise.all([app2026?.stop(), app2025?.stop()]);
		await standIn?.close();
	});

	it('signs in: DPoP proof with the RFC htu, include=session,user, Origin; a user with email and name null', async () => {
		const state = freshState();
		const token = standIn.mint({ user: { id: 'u-42', email: null, name: null, emailVerified: false }, state, clientId: 'demo' });
		const res = await get(handoffUrl(app2026, token, state));
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/dashboard');
		const call = standIn.calls.at(-1)!;
		expect(call).toMatchObject({ status: 200, include: 'session,user' });
		expect(call.url).toBe(`${standIn.verifyUrl}?include=session,user`);
		const me = await whoami(app2026, cookieHeaderFrom(res));
		expect(me).toMatchObject({ isAuthenticated: true, user: { id: 'u-42' }, hasAccessToken: true });
		expect(me.user).not.toHaveProperty('email');
		// The issued token is bound to the key kept in the session.
		const tokens = await sealedTokens(cookieHeaderFrom(res));
		const key = await importDpopKey(toPrivateJwk(tokens.dpop)!);
		expect(standIn.bound.get(tokens.accessToken as string)).toBe(key.thumbprint);
	});

	it('the default (seed-2025) contract fails against it with dpop_proof_missing, as the issue found', async () => {
		const state = freshState();
		const token = standIn.mint({ user: { id: 'u-43', email: 'x@example.test', name: 'X', emailVerified: true }, state });
		const res = await get(handoffUrl(app2025, token, state));
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toMatch(/error=invalid_request/);
		expect(standIn.calls.at(-1)).toMatchObject({ status: 400, code: 'dpop_proof_missing' });
	});

	it('an app whose origin is not among the registered redirect URIs is refused (origin not allowed)', async () => {
		const stranger = await startApp({ SSO_ISSUER: standIn.issuer, SSO_VERIFY_PROTOCOL: 'authrim-2026' });
		try {
			const state = freshState();
			const token = standIn.mint({ user: { id: 'u-45', email: null, name: 'Z', emailVerified: false }, state });
			const res = await get(handoffUrl(stranger, token, state));
			expect(res.headers.get('location')).toMatch(/error=/);
			expect(standIn.calls.at(-1)).toMatchObject({ status: 403, error: 'invalid_request' });
			expect(cookieHeaderFrom(res)).not.toMatch(/(?:^|; )sso=/);
		} finally {
			await stranger.stop();
		}
	});

	it('a spent artifact, a wrong state and an ended IdP session are refused, and no session is written', async () => {
		const state = freshState();
		const user = { id: 'u-44', email: 'y@example.test', name: 'Y', emailVerified: true };
		const token = standIn.mint({ user, state });
		expect((await get(handoffUrl(app2026, token, state))).status).toBe(303);
		const replay = await get(handoffUrl(app2026, token, state));
		expect(replay.headers.get('location')).toMatch(/error=/);
		expect(standIn.calls.at(-1)).toMatchObject({ status: 400, error: 'invalid_grant' });
		const other = freshState();
		const wrongState = await get(handoffUrl(app2026, standIn.mint({ user, state: other }), freshState()));
		expect(wrongState.headers.get('location')).toMatch(/error=/);
		const ended = freshState();
		const orphan = standIn.mint({ user, state: ended });
		standIn.endSessions();
		const gone = await get(handoffUrl(app2026, orphan, ended));
		expect(gone.headers.get('location')).toMatch(/error=/);
		expect(cookieHeaderFrom(gone)).not.toMatch(/(?:^|; )sso=/);
	});
});
