import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateDpopKey, importDpopKey, toPrivateJwk, type DpopKey } from '../../../../src/lib/crypto/dpop/dpop-key.js';
import { createDpopProof } from '../../../../src/lib/crypto/dpop/dpop-proof.js';
import { checkDpopProof, type DpopProofCheckInput } from '../../../../src/lib/crypto/dpop/dpop-proof-check.js';
import { createDpopReplayGuard } from '../../../../src/lib/crypto/dpop/dpop-replay-guard.js';
import { createDpopServerNonces } from '../../../../src/lib/crypto/dpop/dpop-server-nonce.js';

const URL_ = new URL('https://idp.example/auth/external/handoff/verify?include=session,user');
const T0 = 1_800_000_000_000;

function setup() {
	let now = T0;
	const clock = () => now;
	const replay = createDpopReplayGuard({ clock });
	return {
		clock,
		advance: (ms: number) => (now += ms),
		check: (proof: string | null, extra: Partial<DpopProofCheckInput> = {}) =>
			checkDpopProof({
				headers: new Headers(proof === null ? {} : { dpop: proof }),
				method: 'POST',
				url: URL_,
				now: clock(),
				replay,
				...extra
			})
	};
}

const proofOf = (key: DpopKey, extra: Partial<Parameters<typeof createDpopProof>[0]> = {}) =>
	createDpopProof({ key, method: 'POST', url: URL_, now: T0, ...extra });

describe('createDpopProof', () => {
	it('writes typ, alg, the public jwk and htm/htu/iat/jti, with htu free of query and fragment', async () => {
		const { key } = await generateDpopKey();
		const proof = await proofOf(key, { nonce: 'n-1', accessToken: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU' });
		const header = decodeProtectedHeader(proof);
		expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
		expect(header.jwk).not.toHaveProperty('d');
		const claims = decodeJwt(proof);
		expect(claims).toMatchObject({ htm: 'POST', htu: 'https://idp.example/auth/external/handoff/verify', iat: T0 / 1000, nonce: 'n-1' });
		expect(typeof claims.jti).toBe('string');
		// RFC 9449 §7.1's example token and its ath.
		expect(claims.ath).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
		expect(decodeJwt(await proofOf(key)).jti).not.toBe(claims.jti);
	});

	it('round-trips a stored key: the imported key proves what the generated one did, and cannot be exported', async () => {
		const { key, jwk } = await generateDpopKey();
		const again = await importDpopKey(toPrivateJwk(JSON.parse(JSON.stringify(jwk)))!);
		expect(again.thumbprint).toBe(key.thumbprint);
		expect(key.privateKey.extractable).toBe(false);
		const { check } = setup();
		expect(await check(await proofOf(again), { jkt: key.thumbprint })).toEqual({ ok: true, jkt: key.thumbprint });
		expect(toPrivateJwk({ ...jwk, d: 'short' })).toBeNull();
		expect(toPrivateJwk({ ...jwk, crv: 'P-384' })).toBeNull();
	});
});

describe('checkDpopProof: each attack refused, the same request without it accepted', () => {
	it('accepts a well-formed proof and answers its key thumbprint', async () => {
		const { key } = await generateDpopKey();
		expect(await setup().check(await proofOf(key))).toEqual({ ok: true, jkt: key.thumbprint });
	});

	it('refuses a missing proof and two DPoP headers', async () => {
		const { key } = await generateDpopKey();
		const { check } = setup();
		expect(await check(null)).toMatchObject({ ok: false, error: 'dpop_proof_missing' });
		const one = await proofOf(key);
		expect(await check(`${one}, ${await proofOf(key)}`)).toMatchObject({ ok: false, error: 'dpop_proof_invalid' });
		expect(await check(one)).toMatchObject({ ok: true });
	});

	it('refuses a proof signed with another key than its jwk, and one by another key than the bound one', async () => {
		const { key: mine } = await generateDpopKey();
		const { key: theirs } = await generateDpopKey();
		const { check } = setup();
		// The attacker's signature under the victim's public key.
		const forged = await new SignJWT({ jti: 'x1', htm: 'POST', htu: 'https://idp.example/auth/external/handoff/verify', iat: T0 / 1000 })
			.setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...mine.publicJwk } })
			.sign(theirs.privateKey);
		expect(await check(forged)).toMatchObject({ ok: false, error: 'dpop_proof_invalid', reason: expect.stringContaining('signature') });
		// A valid proof, but with a key other than the one the token is bound to.
		expect(await check(await proofOf(theirs), { jkt: mine.thumbprint })).toMatchObject({ ok: false, reason: expect.stringContaining('bound') });
		expect(await check(await proofOf(mine), { jkt: mine.thumbprint })).toMatchObject({ ok: true });
	});

	it('refuses a reused jti', async () => {
		const { key } = await generateDpopKey();
		const { check } = setup();
		const proof = await proofOf(key);
		expect(await check(proof)).toMatchObject({ ok: true });
		expect(await check(proof)).toMatchObject({ ok: false, reason: 'jti was already used' });
		expect(await check(await proofOf(key))).toMatchObject({ ok: true });
	});

	it('refuses a wrong htm and a wrong htu, and accepts htu spelled with a query', async () => {
		const { key } = await generateDpopKey();
		const { check } = setup();
		expect(await check(await proofOf(key, { method: 'GET' }))).toMatchObject({ ok: false, reason: expect.stringContaining('htm') });
		for (const url of ['https://idp.example/auth/external/handoff/finalize', 'https://evil.example/auth/external/handoff/verify', 'http://idp.example/auth/external/handoff/verify']) {
			expect(await check(await proofOf(key, { url }))).toMatchObject({ ok: false, reason: expect.stringContaining('htu') });
		}
		expect(await check(await proofOf(key, { url: 'https://IDP.example:443/auth/external/handoff/verify#x' }))).toMatchObject({ ok: true });
	});

	it('refuses a stale or future iat, and accepts one inside the window', async () => {
		const { key } = await generateDpopKey();
		const { check } = setup();
		expect(await check(await proofOf(key, { now: T0 - 61_000 }))).toMatchObject({ ok: false, reason: expect.stringContaining('iat') });
		expect(await check(await proofOf(key, { now: T0 + 6_000 }))).toMatchObject({ ok: false, reason: expect.stringContaining('iat') });
		expect(await check(await proofOf(key, { now: T0 - 59_000 }))).toMatchObject({ ok: true });
		expect(await check(await proofOf(key, { now: T0 + 4_000 }))).toMatchObject({ ok: true });
	});

	it('demands a nonce when the server issues them: none or a stale one is use_dpop_nonce, a current one passes', async () => {
		const { key } = await generateDpopKey();
		const { check, clock, advance } = setup();
		const nonces = createDpopServerNonces({ clock });
		expect(await check(await proofOf(key), { nonces })).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
		const stale = await nonces.issue();
		advance(301_000);
		const now = clock();
		expect(await check(await proofOf(key, { now, nonce: stale }), { nonces })).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
		// Another server object's nonce (another key) is not this one's.
		const foreign = await createDpopServerNonces({ clock }).issue();
		expect(await check(await proofOf(key, { now, nonce: foreign }), { nonces })).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
		expect(await check(await proofOf(key, { now, nonce: await nonces.issue() }), { nonces })).toMatchObject({ ok: true });
	});

	it('checks ath against the presented access token', async () => {
		const { key } = await generateDpopKey();
		const { check } = setup();
		expect(await check(await proofOf(key, { accessToken: 'other' }), { accessToken: 'mine' })).toMatchObject({ ok: false, reason: expect.stringContaining('ath') });
		expect(await check(await proofOf(key), { accessToken: 'mine' })).toMatchObject({ ok: false, reason: expect.stringContaining('ath') });
		expect(await check(await proofOf(key, { accessToken: 'mine' }), { accessToken: 'mine' })).toMatchObject({ ok: true });
	});

	it('refuses a wrong typ, a MAC algorithm and a private jwk', async () => {
		const { key, jwk } = await generateDpopKey();
		const { check } = setup();
		const claims = { jti: 'j', htm: 'POST', htu: 'https://idp.example/auth/external/handoff/verify', iat: T0 / 1000 };
		const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: { ...key.publicJwk } }).sign(key.privateKey);
		expect(await check(jwt)).toMatchObject({ ok: false, reason: expect.stringContaining('typ') });
		const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'AAAA' } as never }).sign(new Uint8Array(32));
		expect(await check(hs)).toMatchObject({ ok: false, reason: expect.stringContaining('alg') });
		const leaky = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...jwk } }).sign(key.privateKey);
		expect(await check(leaky)).toMatchObject({ ok: false, reason: expect.stringContaining('public') });
	});
});

describe('createDpopReplayGuard', () => {
	it('forgets a jti once its proof would be refused for age anyway, and fails closed when full', () => {
		let now = 0;
		const guard = createDpopReplayGuard({ clock: () => now, maxEntries: 2 });
		expect(guard.claim('a', 10)).toBe(true);
		expect(guard.claim('a', 10)).toBe(false);
		expect(guard.claim('b', 10)).toBe(true);
		expect(guard.claim('c', 10)).toBe(false);
		now = 10;
		expect(guard.claim('c', 20)).toBe(true);
		expect(guard.claim('a', 20)).toBe(true);
	});
});
