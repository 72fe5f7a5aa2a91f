import { describe, expect, it } from 'vitest';
import { CookieBatch, type CookieAttributes } from '../../../src/lib/cookies/cookie-batch.js';
import { cookiesWithPrefix, createHandoffResultCookie, type HandoffResult } from '../../../src/lib/cookies/handoff-result-cookie.js';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import type { KeyPurpose } from '../../../src/lib/crypto/keys.js';
import { OTHER_SECRET, TEST_SECRET } from '../../support/fake-event.js';

const T0 = 1_800_000_000_000;
const HOST: CookieAttributes = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' };
const PLAIN: CookieAttributes = { path: '/', secure: false, httpOnly: true, sameSite: 'lax' };
const RESULT: HandoffResult = { sid: 'sid-1', carryOverState: { cart: ['a', 'b'], step: 2 } };
const ROOMY = { maxBytes: 12 * 1024, present: [] as string[] };

function setup(options: { secret?: string; purpose?: KeyPurpose } = {}) {
	const clock = { now: T0 };
	const now = () => clock.now;
	const sealer = createSealer({ secrets: [options.secret ?? TEST_SECRET], purpose: options.purpose ?? 'handoff-result', clock: now });
	return { clock, sealer, cookie: createHandoffResultCookie({ sealer, clock: now }) };
}

/** The request cookies a browser would send back after `batch` (deletions removed). */
function jarOf(batch: CookieBatch): Map<string, string> {
	const jar = new Map<string, string>();
	for (const write of batch.writes) {
		if (write.attributes.maxAge === 0) jar.delete(write.name);
		else jar.set(write.name, write.value);
	}
	return jar;
}

async function written(cookie: ReturnType<typeof setup>['cookie'], result: HandoffResult = RESULT, attributes = HOST) {
	const batch = new CookieBatch();
	expect(await cookie.write(batch, attributes, result, ROOMY)).toBe(true);
	return { batch, jar: jarOf(batch) };
}

/** A jar holding `payload` sealed by `sealer` under the handoff cookie's name. */
async function sealedJar(sealer: ReturnType<typeof setup>['sealer'], payload: Record<string, unknown>, expiresAt = T0 + 120_000) {
	return new Map([['__Host-sso-handoff', await sealer.seal(payload, expiresAt)]]);
}

describe('handoff result cookie', () => {
	it('round-trips the session id and the carry-over state', async () => {
		const { cookie } = setup();
		const { batch, jar } = await written(cookie);
		expect(batch.writes).toHaveLength(1);
		expect(batch.writes[0].attributes).toMatchObject({ ...HOST, maxAge: 120 });
		const read = await cookie.read(jar, HOST);
		expect(read.result).toEqual(RESULT);
		expect(read.present).toEqual(['__Host-sso-handoff']);
	});

	it('round-trips a result without carry-over state', async () => {
		const { cookie } = setup();
		const { jar } = await written(cookie, { sid: 'sid-2', carryOverState: null });
		expect((await cookie.read(jar, HOST)).result).toEqual({ sid: 'sid-2', carryOverState: null });
	});

	it('round-trips a result large enough to be chunked', async () => {
		const { cookie } = setup();
		const big: HandoffResult = { sid: 'sid-1', carryOverState: { blob: 'x'.repeat(5_000) } };
		const { batch, jar } = await written(cookie, big);
		expect(batch.writes.map((w) => w.name)).toEqual(['__Host-sso-handoff.0', '__Host-sso-handoff.1']);
		const read = await cookie.read(jar, HOST);
		expect(read.result).toEqual(big);
		expect(read.present).toEqual(['__Host-sso-handoff.0', '__Host-sso-handoff.1']);
	});

	describe('name', () => {
		it('is __Host-sso-handoff for secure, host-only cookies on path /', async () => {
			const { cookie } = setup();
			expect(cookie.nameFor(HOST)).toBe('__Host-sso-handoff');
			const { batch } = await written(cookie, RESULT, HOST);
			expect(batch.writes[0].name).toBe('__Host-sso-handoff');
		});

		it('is __Secure-sso-handoff when secure with a domain or a narrower path, sso-handoff when not secure', async () => {
			const { cookie } = setup();
			expect(cookie.nameFor(PLAIN)).toBe('sso-handoff');
			expect(cookie.nameFor({ ...HOST, domain: 'example.com' })).toBe('__Secure-sso-handoff');
			expect(cookie.nameFor({ ...HOST, path: '/app' })).toBe('__Secure-sso-handoff');
			const { batch, jar } = await written(cookie, RESULT, PLAIN);
			expect(batch.writes[0].name).toBe('sso-handoff');
			expect((await cookie.read(jar, PLAIN)).result).toEqual(RESULT);
		});

		it('does not read a __Host- cookie under plain attributes, nor the reverse', async () => {
			const { cookie } = setup();
			const host = await written(cookie, RESULT, HOST);
			const plain = await written(cookie, RESULT, PLAIN);
			expect((await cookie.read(host.jar, PLAIN)).result).toBeNull();
			expect((await cookie.read(plain.jar, HOST)).result).toBeNull();
		});
	});

	describe('budget', () => {
		it('writes nothing and returns false when the sealed result exceeds maxBytes', async () => {
			const { cookie } = setup();
			const fits = await written(cookie);
			const sealedLength = fits.batch.writes[0].value.length;
			const batch = new CookieBatch();
			const present = ['__Host-sso-handoff'];
			expect(await cookie.write(batch, HOST, RESULT, { maxBytes: sealedLength - 1, present })).toBe(false);
			expect(batch.size).toBe(0);
			// exactly at the budget it fits
			const exact = new CookieBatch();
			expect(await cookie.write(exact, HOST, RESULT, { maxBytes: sealedLength, present: [] })).toBe(true);
			expect(exact.size).toBe(1);
		});

		it('writes nothing and returns false when the result needs more than three chunks', async () => {
			const { cookie } = setup();
			const batch = new CookieBatch();
			const huge: HandoffResult = { sid: 'sid-1', carryOverState: { blob: 'x'.repeat(12_000) } };
			expect(await cookie.write(batch, HOST, huge, { maxBytes: 1_000_000, present: [] })).toBe(false);
			expect(batch.size).toBe(0);
		});
	});

	describe('expiry', () => {
		it('reads the result until 120 seconds have passed, then null', async () => {
			const { cookie, clock } = setup();
			const { jar } = await written(cookie);
			clock.now = T0 + 119_000;
			expect((await cookie.read(jar, HOST)).result).toEqual(RESULT);
			clock.now = T0 + 120_000;
			const expired = await cookie.read(jar, HOST);
			expect(expired.result).toBeNull();
			// still listed, so the caller deletes it
			expect(expired.present).toEqual(['__Host-sso-handoff']);
		});
	});

	describe('refusals', () => {
		it('returns null for a value sealed for another purpose (a session cookie pasted in)', async () => {
			const { cookie } = setup();
			const { sealer: sessionSealer } = setup({ purpose: 'session' });
			const read = await cookie.read(await sealedJar(sessionSealer, { r: RESULT }), HOST);
			expect(read.result).toBeNull();
			expect(read.present).toEqual(['__Host-sso-handoff']);
		});

		it('returns null for a value sealed under another secret', async () => {
			const { cookie } = setup();
			const foreign = setup({ secret: OTHER_SECRET });
			const { jar } = await written(foreign.cookie);
			expect((await foreign.cookie.read(jar, HOST)).result).toEqual(RESULT);
			expect((await cookie.read(jar, HOST)).result).toBeNull();
		});

		it('returns null for a tampered value', async () => {
			const { cookie } = setup();
			const { jar } = await written(cookie);
			const value = jar.get('__Host-sso-handoff')!;
			const parts = value.split('.');
			const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
			for (const tampered of [
				[parts[0], '', parts[2], flip(parts[3]), parts[4]].join('.'),
				[parts[0], '', parts[2], parts[3], flip(parts[4])].join('.'),
				value.slice(0, -2),
				'not-a-jwe'
			]) {
				expect((await cookie.read(new Map([['__Host-sso-handoff', tampered]]), HOST)).result).toBeNull();
			}
			expect((await cookie.read(jar, HOST)).result).toEqual(RESULT);
		});

		it('returns null for a sealed payload that is not a handoff result', async () => {
			const { cookie, sealer } = setup();
			for (const payload of [
				{},
				{ r: 'sid-1' },
				{ r: null },
				{ r: { carryOverState: null } },
				{ r: { sid: 42, carryOverState: null } },
				{ r: { sid: 'sid-1' } },
				{ r: { sid: 'sid-1', carryOverState: 'state' } },
				{ result: RESULT }
			]) {
				expect((await cookie.read(await sealedJar(sealer, payload), HOST)).result, JSON.stringify(payload)).toBeNull();
			}
			// the same sealer with a well-formed payload does open: the refusals above are the shape
			expect((await cookie.read(await sealedJar(sealer, { r: RESULT }), HOST)).result).toEqual(RESULT);
		});

		it('returns null and lists everything for chunks beside a whole value', async () => {
			const { cookie } = setup();
			const { jar } = await written(cookie);
			jar.set('__Host-sso-handoff.0', 'stale');
			const read = await cookie.read(jar, HOST);
			expect(read.result).toBeNull();
			expect(read.present.sort()).toEqual(['__Host-sso-handoff', '__Host-sso-handoff.0']);
		});

		it('returns null with nothing present when the request carries no result cookie', async () => {
			const { cookie } = setup();
			expect(await cookie.read(new Map([['__Host-sso', 'x']]), HOST)).toEqual({ result: null, present: [] });
		});
	});

	describe('stale cookies', () => {
		it('deletes the chunks of an earlier result that the new whole value does not overwrite', async () => {
			const { cookie } = setup();
			const batch = new CookieBatch();
			const present = ['__Host-sso-handoff.0', '__Host-sso-handoff.1', '__Host-sso-handoff.2'];
			expect(await cookie.write(batch, HOST, RESULT, { maxBytes: ROOMY.maxBytes, present })).toBe(true);
			const sets = batch.writes.filter((w) => w.attributes.maxAge !== 0).map((w) => w.name);
			const deletes = batch.writes.filter((w) => w.attributes.maxAge === 0).map((w) => w.name);
			expect(sets).toEqual(['__Host-sso-handoff']);
			expect(deletes.sort()).toEqual(present);
			expect((await cookie.read(jarOf(batch), HOST)).result).toEqual(RESULT);
		});

		it('deletes an earlier whole value when the new result is chunked, and keeps overwritten chunks', async () => {
			const { cookie } = setup();
			const batch = new CookieBatch();
			const big: HandoffResult = { sid: 'sid-1', carryOverState: { blob: 'x'.repeat(5_000) } };
			const present = ['__Host-sso-handoff', '__Host-sso-handoff.0'];
			expect(await cookie.write(batch, HOST, big, { maxBytes: ROOMY.maxBytes, present })).toBe(true);
			const deletes = batch.writes.filter((w) => w.attributes.maxAge === 0).map((w) => w.name);
			expect(deletes).toEqual(['__Host-sso-handoff']);
		});

		it('clear deletes every listed cookie with the given attributes', async () => {
			const { cookie } = setup();
			const batch = new CookieBatch();
			cookie.clear(batch, HOST, ['__Host-sso-handoff.0', '__Host-sso-handoff.1']);
			expect(batch.writes).toEqual([
				{ name: '__Host-sso-handoff.0', value: '', attributes: { ...HOST, maxAge: 0 } },
				{ name: '__Host-sso-handoff.1', value: '', attributes: { ...HOST, maxAge: 0 } }
			]);
		});
	});
});

describe('cookiesWithPrefix', () => {
	it('picks cookies named with the prefix or its __Host- or __Secure- form and nothing else', () => {
		const header = [
			'theme=dark',
			'sso-handoff=A',
			'__Host-sso-handoff.0=B',
			'__Host-sso-handoff.1=C',
			'sso-handoff.2=D',
			'__Host-sso=E',
			'sso=F',
			'__Secure-sso-handoff=G',
			'x-sso-handoff=H',
			'no-equals-sign'
		].join('; ');
		expect(cookiesWithPrefix(header, 'sso-handoff')).toEqual(
			new Map([
				['sso-handoff', 'A'],
				['__Host-sso-handoff.0', 'B'],
				['__Host-sso-handoff.1', 'C'],
				['sso-handoff.2', 'D'],
				['__Secure-sso-handoff', 'G']
			])
		);
	});

	it('trims whitespace and keeps "=" inside values', () => {
		expect(cookiesWithPrefix('  sso-handoff =  a=b==  ;__Host-sso-handoff=c', 'sso-handoff')).toEqual(
			new Map([
				['sso-handoff', 'a=b=='],
				['__Host-sso-handoff', 'c']
			])
		);
	});

	it('returns an empty map for an empty header', () => {
		expect(cookiesWithPrefix('', 'sso-handoff').size).toBe(0);
	});

	it('feeds read with exactly the cookies a written result left', async () => {
		const { cookie } = setup();
		const { jar } = await written(cookie);
		const header = ['a=1', ...[...jar].map(([n, v]) => `${n}=${v}`), '__Host-sso=session'].join('; ');
		const picked = cookiesWithPrefix(header, cookie.marker);
		expect([...picked.keys()]).toEqual(['__Host-sso-handoff']);
		expect((await cookie.read(picked, HOST)).result).toEqual(RESULT);
	});
});
