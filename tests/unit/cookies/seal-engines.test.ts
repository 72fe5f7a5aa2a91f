import { describe, expect, it } from 'vitest';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { nativeAesGcm, webAesGcm } from '../../../src/lib/crypto/aes-gcm.js';
import { deriveEncryptionKey, deriveKeyId } from '../../../src/lib/crypto/keys.js';

const SECRET = 'engine-secret-engine-secret-engine-01';
const now = () => 1_800_000_000_000;
const later = now() + 60_000;
const ENGINES = [
	['native', nativeAesGcm()!],
	['Web Crypto', webAesGcm]
] as const;

const sealerOn = (engine: (typeof ENGINES)[number][1], purpose: 'session' | 'transaction' = 'session', clock = now) =>
	createSealer({ secrets: [SECRET], purpose, clock, engine });

describe.each(ENGINES)('sealing on the %s engine', (name, engine) => {
	const other = ENGINES.find(([n]) => n !== name)![1];

	it('seals what the other engine opens, and opens what the other engine seals', async () => {
		const payload = { s: { id: 'sid', user: { id: 'u1', name: 'Zoë 🦊' } } };
		const mine = await sealerOn(engine).seal(payload, later);
		const theirs = await sealerOn(other).seal(payload, later);
		expect((await sealerOn(other).open(mine))?.payload).toMatchObject(payload);
		expect((await sealerOn(engine).open(theirs))?.payload).toMatchObject(payload);
	});

	it('writes the compact JWE jose reads, with the claims jose wrote (pur, iat, exp)', async () => {
		const sealed = await sealerOn(engine).seal({ v: 1 }, later);
		const { payload, protectedHeader } = await jwtDecrypt(sealed, await deriveEncryptionKey(SECRET, 'session'), { currentDate: new Date(now()) });
		expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', kid: await deriveKeyId(SECRET) });
		expect(Object.keys(payload)).toEqual(['v', 'pur', 'iat', 'exp']);
		expect(payload).toMatchObject({ v: 1, pur: 'session', iat: now() / 1000, exp: later / 1000 });
	});

	it('writes its own purpose and times over a payload that names them, in the order the spread gave them', async () => {
		const sealed = await sealerOn(engine).seal({ pur: 'transaction', v: 1, exp: 9_999_999_999 }, later);
		const { payload } = await jwtDecrypt(sealed, await deriveEncryptionKey(SECRET, 'session'), { currentDate: new Date(now()) });
		expect(Object.keys(payload)).toEqual(['pur', 'v', 'exp', 'iat']);
		expect(payload).toMatchObject({ pur: 'session', v: 1, iat: now() / 1000, exp: later / 1000 });
		expect(await sealerOn(engine, 'transaction').open(sealed)).toBeNull();
		expect(await sealerOn(engine, 'session', () => later).open(sealed)).toBeNull();
	});

	it('opens a cookie sealed by jose EncryptJWT (the format of earlier versions)', async () => {
		const legacy = await new EncryptJWT({ s: { id: 'old' }, pur: 'session' })
			.setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: await deriveKeyId(SECRET) })
			.setIssuedAt(now() / 1000)
			.setExpirationTime(later / 1000)
			.encrypt(await deriveEncryptionKey(SECRET, 'session'));
		expect((await sealerOn(engine).open<{ s: { id: string } }>(legacy))?.payload.s.id).toBe('old');
	});

	it('refuses the expired, the not-yet-valid, the other purpose and the tampered; the same value untouched opens', async () => {
		const sealer = sealerOn(engine);
		const sealed = await sealer.seal({ v: 1 }, later);
		expect(await sealerOn(engine, 'session', () => later).open(sealed)).toBeNull();
		expect(await sealerOn(engine, 'session', () => later - 1000).open(sealed)).not.toBeNull();
		expect(await sealerOn(engine, 'transaction').open(sealed)).toBeNull();
		const parts = sealed.split('.');
		parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
		expect(await sealer.open(parts.join('.'))).toBeNull();
		const nbf = await new EncryptJWT({ pur: 'session' })
			.setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: await deriveKeyId(SECRET) })
			.setIssuedAt(now() / 1000)
			.setNotBefore(now() / 1000 + 10)
			.setExpirationTime(later / 1000)
			.encrypt(await deriveEncryptionKey(SECRET, 'session'));
		expect(await sealer.open(nbf)).toBeNull();
		expect(await sealerOn(engine, 'session', () => now() + 10_000).open(nbf)).not.toBeNull();
		expect(await sealer.open(sealed)).not.toBeNull();
	});

	it(`answers ${name === 'native' ? 'synchronously' : 'through a promise'} once its keys are derived`, async () => {
		const sealer = sealerOn(engine);
		const first = sealer.seal({ v: 1 }, later);
		expect(first).toBeInstanceOf(Promise);
		const sealed = await first;
		const opened = sealer.open(sealed);
		const resealed = sealer.seal({ v: 2 }, later);
		expect(opened instanceof Promise).toBe(name !== 'native');
		expect(resealed instanceof Promise).toBe(name !== 'native');
		expect((await opened)?.payload).toMatchObject({ v: 1 });
	});
});

describe('IVs', () => {
	it('never repeats an IV across many seals (the pool refills with fresh random bytes)', async () => {
		const sealer = sealerOn(nativeAesGcm()!);
		await sealer.seal({}, later);
		const ivs = new Set<string>();
		for (let i = 0; i < 1000; i++) ivs.add((sealer.seal({ i }, later) as string).split('.')[2]);
		expect(ivs.size).toBe(1000);
		// Web Crypto seals pending together keep their own IVs while the pool refills beneath them.
		const web = sealerOn(webAesGcm);
		const sealed = await Promise.all(Array.from({ length: 600 }, (_, i) => web.seal({ i }, later)));
		expect(new Set(sealed.map((v) => v.split('.')[2])).size).toBe(600);
		for (const [i, value] of sealed.entries()) expect((await web.open<{ i: number }>(value))?.payload.i).toBe(i);
	});
});
