import { describe, expect, it } from 'vitest';
import {
	createHandoffIssuer,
	HANDOFF_INLINE_STATE_MAX_BYTES,
	type HandoffIssuer
} from '../../../src/lib/provider/index.js';
import { HANDOFF_TOKEN_MAC_LABEL } from '../../../src/lib/provider/handoff-token.js';
import { InMemoryHandoffStateStore } from '../../../src/lib/stores/memory-handoff-state-store.js';
import type { HandoffStateStore } from '../../../src/lib/stores/handoff-state-store.js';
import { bytesToBase64url, base64urlToBytes, utf8 } from '../../../src/lib/crypto/base64url.js';
import { deriveMacKey, type KeyPurpose } from '../../../src/lib/crypto/keys.js';
import { AuthError } from '../../../src/lib/errors.js';
import { TEST_SECRET } from '../../support/fake-event.js';

const SECRET = TEST_SECRET;
const OTHER_SECRET = 'another-secret-another-secret-another';
const ISSUER = 'http://127.0.0.1:4000';
const T0 = 1_800_000_000_000;

function manualClock(start = T0) {
	let now = start;
	return {
		now: () => now,
		set(value: number) {
			now = value;
		}
	};
}

/** A real InMemoryHandoffStateStore behind a wrapper that counts calls and can be made to fail. */
function countingStore(clock: () => number) {
	const inner = new InMemoryHandoffStateStore({ clock });
	const calls = { set: [] as Array<{ id: string; ttl: number }>, getAndDelete: 0 };
	const faults = { getAndDelete: null as Error | null, set: null as Error | null, foreign: false };
	const store: HandoffStateStore = {
		async set(id, state, ttl) {
			calls.set.push({ id, ttl });
			if (faults.set) throw faults.set;
			return inner.set(id, state, ttl);
		},
		async getAndDelete(id) {
			calls.getAndDelete++;
			if (faults.getAndDelete) throw faults.getAndDelete;
			if (faults.foreign) return { some: 'other entry' };
			return inner.getAndDelete(id);
		}
	};
	return { store, inner, calls, faults };
}

function setup(options: { ttlSeconds?: number; secret?: string | string[]; issuer?: string } = {}) {
	const clock = manualClock();
	const counted = countingStore(clock.now);
	const issuer = createHandoffIssuer({
		issuer: options.issuer ?? ISSUER,
		secret: options.secret ?? SECRET,
		store: counted.store,
		clock: clock.now,
		...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds })
	});
	return { issuer, clock, ...counted };
}

const BINDING = { clientId: 'app', state: 'state-123' };

function mint(issuer: HandoffIssuer, carryOverState?: Record<string, unknown>) {
	return issuer.mint({ clientId: 'app', sub: 'alice', state: 'state-123', ...(carryOverState ? { carryOverState } : {}) });
}

function decodePayload(token: string): Record<string, unknown> {
	const bytes = base64urlToBytes(token.split('.')[0]);
	if (!bytes) throw new Error('not base64url');
	return JSON.parse(new TextDecoder().decode(bytes));
}

function encodePayload(payload: unknown): string {
	return bytesToBase64url(utf8(JSON.stringify(payload)));
}

/** MACs an encoded payload the way the issuer does, with a chosen secret, purpose and label. */
async function macWith(encoded: string, options: { secret?: string; purpose?: KeyPurpose; label?: string | null } = {}) {
	const key = await deriveMacKey(options.secret ?? SECRET, options.purpose ?? 'handoff-token');
	const label = options.label === undefined ? HANDOFF_TOKEN_MAC_LABEL : options.label;
	const input = label === null ? encoded : `${label}.${encoded}`;
	const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(input)));
	return `${encoded}.${bytesToBase64url(mac)}`;
}

/** Carry-over state whose JSON is exactly `bytes` UTF-8 bytes, with multi-byte characters, &, # and %. */
function stateOfSize(bytes: number): Record<string, unknown> {
	const state = { returnTo: '/cart?item=a&b=c#top', note: 'grüße 100% 😀 ünïcødé', pad: '' };
	const base = utf8(JSON.stringify(state)).length;
	state.pad = 'x'.repeat(bytes - base);
	expect(utf8(JSON.stringify(state)).length).toBe(bytes);
	return state;
}

describe('createHandoffIssuer: minting', () => {
	it('mints a token that redeems once for the bound client and state', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		const result = await issuer.redeem(token, BINDING);
		expect(result).toEqual({ ok: true, sub: 'alice', clientId: 'app' });
		expect('carryOverState' in result).toBe(false);
	});

	it('writes iss, aud, sub, state, iat, exp and a random UUID v4 jti into the MAC-protected payload', async () => {
		const { issuer } = setup({ ttlSeconds: 45 });
		const token = await mint(issuer);
		const parts = token.split('.');
		expect(parts).toHaveLength(2);
		expect(base64urlToBytes(parts[1])?.length).toBe(32);
		const payload = decodePayload(token);
		expect(payload).toEqual({
			iss: ISSUER,
			aud: 'app',
			sub: 'alice',
			state: 'state-123',
			iat: T0 / 1000,
			exp: T0 / 1000 + 45,
			jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
		});
		const other = decodePayload(await mint(issuer));
		expect(other.jti).not.toBe(payload.jti);
	});

	it('records every token, inline or not, in the store under its jti for the token TTL plus 60 s', async () => {
		const { issuer, calls } = setup({ ttlSeconds: 30 });
		const token = await mint(issuer);
		expect(calls.set).toEqual([{ id: decodePayload(token).jti, ttl: 90 }]);
	});

	it('rejects mint arguments and carry-over state that cannot be a handoff', async () => {
		const { issuer } = setup();
		await expect(issuer.mint({ clientId: 'app', sub: '', state: 's' })).rejects.toMatchObject({
			name: 'TypeError',
			code: 'ERR_INVALID_ARGUMENT',
			message: 'HandoffIssuer.mint: sub must be a non-empty string'
		});
		await expect(
			issuer.mint({ clientId: 'app', sub: 'a', state: 's', carryOverState: [1] as unknown as Record<string, unknown> })
		).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		await expect(issuer.mint({ clientId: 'app', sub: 'a', state: 's', carryOverState: cyclic })).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(issuer.mint({ clientId: 'app', sub: 'a', state: 'x'.repeat(9000) })).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT'
		});
		await expect(issuer.mint({ clientId: 'app', sub: 'a', state: 's' })).resolves.toEqual(expect.any(String));
	});

	it('throws store_unavailable from mint when the store cannot record the token', async () => {
		const { issuer, faults } = setup();
		faults.set = new Error('connection refused');
		const failure = await mint(issuer).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(AuthError);
		expect(failure).toMatchObject({ code: 'store_unavailable' });
		faults.set = null;
		await expect(mint(issuer)).resolves.toEqual(expect.any(String));
	});

	it('validates its options once, naming the option', () => {
		const store = new InMemoryHandoffStateStore();
		const make = (options: Record<string, unknown>) => () =>
			createHandoffIssuer({ issuer: ISSUER, secret: SECRET, store, ...options } as never);
		expect(make({ store: undefined })).toThrow('createHandoffIssuer: options.store is required');
		expect(make({ store: undefined })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
		expect(make({ issuer: 'not a url' })).toThrow('createHandoffIssuer: options.issuer');
		expect(make({ ttlSeconds: 0 })).toThrow('createHandoffIssuer: options.ttlSeconds');
		expect(make({ ttlSeconds: 1.5 })).toThrow('createHandoffIssuer: options.ttlSeconds');
		expect(make({ secret: 'short' })).toThrow('createHandoffIssuer: options.secret must be at least 32 bytes');
		expect(make({ clock: 5 })).toThrow('createHandoffIssuer: options.clock');
		expect(make({})).not.toThrow();
	});
});

describe('createHandoffIssuer: single use (H4, K2)', () => {
	it('rejects a sequential replay with invalid_grant', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
		expect(await issuer.redeem(token, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
	});

	it('lets exactly one of two concurrent redemptions succeed', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		const results = await Promise.all([issuer.redeem(token, BINDING), issuer.redeem(token, BINDING)]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, error: 'invalid_grant' }]);
	});

	it('lets exactly one of ten concurrent redemptions of a claim-checked token succeed', async () => {
		const { issuer } = setup();
		const state = stateOfSize(HANDOFF_INLINE_STATE_MAX_BYTES + 1);
		const token = await mint(issuer, state);
		const results = await Promise.all(Array.from({ length: 10 }, () => issuer.redeem(token, BINDING)));
		const winners = results.filter((r) => r.ok);
		expect(winners).toHaveLength(1);
		expect(winners[0]).toMatchObject({ carryOverState: state });
		expect(results.filter((r) => !r.ok && r.error === 'invalid_grant')).toHaveLength(9);
	});
});

describe('createHandoffIssuer: forged and altered tokens (K1)', () => {
	it('rejects bit flips, truncated, 1-byte and foreign-key MACs and non-base64url input without a store call', async () => {
		const { issuer, calls } = setup();
		const token = await mint(issuer);
		const [encoded, encodedMac] = token.split('.');
		const payloadBytes = base64urlToBytes(encoded)!;
		const macBytes = base64urlToBytes(encodedMac)!;
		const flip = (bytes: Uint8Array, index: number) => {
			const copy = new Uint8Array(bytes);
			copy[index] ^= 0x01;
			return bytesToBase64url(copy);
		};

		const forged = [
			`${flip(payloadBytes, 10)}.${encodedMac}`,
			`${encoded}.${flip(macBytes, 0)}`,
			`${encoded}.${flip(macBytes, 31)}`,
			`${encoded}.${bytesToBase64url(macBytes.slice(0, 31))}`,
			`${encoded}.${bytesToBase64url(macBytes.slice(0, 16))}`,
			`${encoded}.${bytesToBase64url(macBytes.slice(0, 1))}`,
			`${encoded}.${bytesToBase64url(new Uint8Array([...macBytes, 0]))}`,
			`${encoded}.`,
			await macWith(encoded, { secret: OTHER_SECRET }),
			`${encoded}.${encodedMac.slice(0, -1)}+`,
			`${encoded}.${encodedMac}=`,
			`${encoded}.${encodedMac.slice(0, 10)}%2F${encodedMac.slice(13)}`,
			`${encoded}.${encodedMac}.${encodedMac}`,
			encoded,
			'%E0%A4%A',
			'.',
			'x'.repeat(100_000)
		];
		for (const value of forged) {
			await expect(issuer.redeem(value, BINDING)).resolves.toEqual({ ok: false, error: 'invalid_grant' });
		}
		expect(calls.getAndDelete).toBe(0);
		// The untouched token still redeems: the rejections were the tampering, and burned nothing.
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
		expect(calls.getAndDelete).toBe(1);
	});

	it('accepts only the canonical spelling of the MAC: the three other last characters are refused without a store call (X4)', async () => {
		const { issuer, calls } = setup();
		const token = await mint(issuer);
		const [encoded, encodedMac] = token.split('.');
		// 32 bytes are 43 characters: the last one carries 2 bits nobody reads, so 4 characters decode alike.
		expect(encodedMac).toHaveLength(43);
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		const last = alphabet.indexOf(encodedMac.at(-1)!);
		expect(last & 0b11).toBe(0);
		const others = [1, 2, 3].map((low) => `${encoded}.${encodedMac.slice(0, -1)}${alphabet[last | low]}`);
		for (const other of others) {
			await expect(issuer.redeem(other, BINDING), other).resolves.toEqual({ ok: false, error: 'invalid_grant' });
		}
		expect(calls.getAndDelete).toBe(0);
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});

	it('verifies under every configured secret (rotation) and rejects once the old secret is removed', async () => {
		const old = setup({ secret: OTHER_SECRET });
		const token = await mint(old.issuer);
		const rotated = createHandoffIssuer({ issuer: ISSUER, secret: [SECRET, OTHER_SECRET], store: old.store, clock: old.clock.now });
		const removed = createHandoffIssuer({ issuer: ISSUER, secret: [SECRET], store: old.store, clock: old.clock.now });
		expect(await removed.redeem(token, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		expect((await rotated.redeem(token, BINDING)).ok).toBe(true);
	});
});

describe('createHandoffIssuer: expiry (K3)', () => {
	it('answers expired_token once the clock reaches exp, although the store still holds the entry', async () => {
		const { issuer, clock, inner } = setup({ ttlSeconds: 60 });
		const token = await mint(issuer);
		const jti = decodePayload(token).jti as string;

		clock.set(T0 + 60_000);
		expect(await issuer.redeem(token, BINDING)).toEqual({ ok: false, error: 'expired_token' });
		clock.set(T0 + 100_000);
		expect(await issuer.redeem(token, BINDING)).toEqual({ ok: false, error: 'expired_token' });
		// The store entry lives 60 s longer than the token: only the MAC'd exp rejected it.
		expect(await inner.get(jti)).toBeDefined();

		// The same token a millisecond before exp redeems: time was the only reason.
		clock.set(T0 + 59_999);
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});
});

describe('createHandoffIssuer: purpose binding (K4)', () => {
	it('rejects a payload MAC’d with the same secret under another purpose key or label', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		const [encoded] = token.split('.');

		const otherPurposeKey = await macWith(encoded, { purpose: 'handoff-state' });
		const otherLabel = await macWith(encoded, { label: 'sveltekit-sso/csrf/v1' });
		const noLabel = await macWith(encoded, { label: null });
		for (const value of [otherPurposeKey, otherLabel, noLabel]) {
			expect(await issuer.redeem(value, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		}

		// Control: the same construction with the handoff key and label is the genuine token.
		const genuine = await macWith(encoded);
		expect(genuine).toBe(token);
		expect((await issuer.redeem(genuine, BINDING)).ok).toBe(true);
	});
});

describe('createHandoffIssuer: carry-over state at the 2 KB boundary (K5)', () => {
	for (const size of [2047, 2048, 2049]) {
		it(`round-trips ${size} bytes of carry-over state exactly (${size <= 2048 ? 'inline' : 'claim-checked'})`, async () => {
			const { issuer, calls } = setup();
			const state = stateOfSize(size);
			const token = await mint(issuer, state);
			const payload = decodePayload(token);
			if (size <= HANDOFF_INLINE_STATE_MAX_BYTES) {
				expect(payload.cos).toEqual(state);
				expect(payload.cck).toBeUndefined();
			} else {
				expect(payload.cos).toBeUndefined();
				expect(payload.cck).toBe(true);
				expect(JSON.stringify(payload)).not.toContain('grüße');
			}
			expect(calls.set).toHaveLength(1);
			// The token survives a URL query unchanged (base64url needs no escaping).
			const url = new URL(`https://app.example/?handoff_token=${token}&state=state-123`);
			const result = await issuer.redeem(url.searchParams.get('handoff_token')!, BINDING);
			expect(result.ok).toBe(true);
			if (!result.ok) return;
			expect(JSON.stringify(result.carryOverState)).toBe(JSON.stringify(state));
		});
	}

	it('rejects inline carry-over state that was altered in the token', async () => {
		const { issuer } = setup();
		const state = stateOfSize(2048);
		const token = await mint(issuer, state);
		const payload = decodePayload(token);
		(payload.cos as Record<string, unknown>).returnTo = '/admin';
		const tampered = `${encodePayload(payload)}.${token.split('.')[1]}`;
		expect(await issuer.redeem(tampered, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		expect(await issuer.redeem(token, BINDING)).toMatchObject({ ok: true, carryOverState: state });
	});

	it('rejects a claim-check token whose key was swapped for another stored entry', async () => {
		const { issuer } = setup();
		const victimState = stateOfSize(3000);
		const attackerToken = await mint(issuer, stateOfSize(2500));
		const victimToken = await mint(issuer, victimState);
		const payload = decodePayload(attackerToken);
		payload.jti = decodePayload(victimToken).jti;
		const swapped = `${encodePayload(payload)}.${attackerToken.split('.')[1]}`;
		expect(await issuer.redeem(swapped, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		expect(await issuer.redeem(victimToken, BINDING)).toMatchObject({ ok: true, carryOverState: victimState });
	});
});

describe('createHandoffIssuer: claim-check key and store faults (K6)', () => {
	it('rejects a malformed claim-check key with zero store calls', async () => {
		const { issuer, calls } = setup();
		const token = await mint(issuer, stateOfSize(2600));
		const payload = decodePayload(token);
		for (const jti of ['not-a-uuid', '../../etc', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', String(payload.jti).toUpperCase(), `${payload.jti} `]) {
			// Forged with the real key and label: only the key format stands between it and the store.
			const forged = await macWith(encodePayload({ ...payload, jti }));
			expect(await issuer.redeem(forged, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		}
		expect(calls.getAndDelete).toBe(0);
		const control = await macWith(encodePayload(payload));
		expect((await issuer.redeem(control, BINDING)).ok).toBe(true);
		expect(calls.getAndDelete).toBe(1);
	});

	it('fails closed with server_error when the store throws, and redeems once the store is back', async () => {
		const { issuer, faults } = setup();
		const token = await mint(issuer, stateOfSize(2100));
		faults.getAndDelete = new Error('ECONNRESET');
		expect(await issuer.redeem(token, BINDING)).toEqual({ ok: false, error: 'server_error' });
		faults.getAndDelete = null;
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});

	it('fails closed with server_error when the store returns an entry this issuer did not write', async () => {
		const { issuer, faults } = setup();
		const token = await mint(issuer);
		faults.foreign = true;
		expect(await issuer.redeem(token, BINDING)).toEqual({ ok: false, error: 'server_error' });
		faults.foreign = false;
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});
});

describe('createHandoffIssuer: binding to client, state and issuer', () => {
	it('rejects a wrong state without burning the token', async () => {
		const { issuer, calls } = setup();
		const token = await mint(issuer);
		for (const state of ['state-124', 'state-12', 'state-1234', 'STATE-123']) {
			expect(await issuer.redeem(token, { clientId: 'app', state })).toEqual({ ok: false, error: 'invalid_grant' });
		}
		expect(calls.getAndDelete).toBe(0);
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});

	it('rejects a token presented by another client without burning it', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		expect(await issuer.redeem(token, { clientId: 'other-app', state: 'state-123' })).toEqual({
			ok: false,
			error: 'invalid_grant'
		});
		expect(await issuer.redeem(token, BINDING)).toMatchObject({ ok: true, clientId: 'app' });
	});

	it('rejects a token of another issuer that shares the secret and the store', async () => {
		const { issuer, store, clock } = setup();
		const staging = createHandoffIssuer({ issuer: 'http://127.0.0.1:4001', secret: SECRET, store, clock: clock.now });
		const stagingToken = await mint(staging);
		expect(await issuer.redeem(stagingToken, BINDING)).toEqual({ ok: false, error: 'invalid_grant' });
		expect((await staging.redeem(stagingToken, BINDING)).ok).toBe(true);
	});

	it('answers invalid_request for a missing token, client or state, and never throws', async () => {
		const { issuer } = setup();
		const token = await mint(issuer);
		const bad: Array<[unknown, unknown]> = [
			['', BINDING],
			[undefined, BINDING],
			[42, BINDING],
			[token, { clientId: '', state: 'state-123' }],
			[token, { clientId: 'app', state: '' }],
			[token, { clientId: 'app', state: 7 }],
			[token, undefined]
		];
		for (const [value, binding] of bad) {
			await expect(issuer.redeem(value as string, binding as never)).resolves.toEqual({
				ok: false,
				error: 'invalid_request'
			});
		}
		expect((await issuer.redeem(token, BINDING)).ok).toBe(true);
	});
});

describe('createHandoffIssuer: sizes the app accepts', () => {
	it('moves inline state to the store when a long state would push the token past 4096 characters', async () => {
		const { issuer } = setup();
		const state = 's'.repeat(512);
		const token = await issuer.mint({ clientId: 'app', sub: 'u'.repeat(500), state, carryOverState: stateOfSize(2000) });
		expect(token.length).toBeLessThanOrEqual(4096);
		expect(decodePayload(token).cck).toBe(true);
		expect(await issuer.redeem(token, { clientId: 'app', state })).toMatchObject({ ok: true, carryOverState: stateOfSize(2000) });
		// control: with a short state the same carry-over stays inline
		const short = await issuer.mint({ clientId: 'app', sub: 'u', state: 'st', carryOverState: stateOfSize(2000) });
		expect(decodePayload(short).cos).toEqual(stateOfSize(2000));
	});

	it('refuses a state longer than the app accepts', async () => {
		const { issuer } = setup();
		await expect(issuer.mint({ clientId: 'app', sub: 'u', state: 's'.repeat(513) })).rejects.toThrow(/state must be at most 512/);
		await expect(issuer.mint({ clientId: 'app', sub: 'u', state: 's'.repeat(512) })).resolves.toBeTypeOf('string');
	});
});
