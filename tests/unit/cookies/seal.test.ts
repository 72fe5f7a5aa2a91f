import { describe, expect, it } from 'vitest';
import { EncryptJWT, SignJWT, base64url } from 'jose';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { deriveEncryptionKey, deriveKeyId } from '../../../src/lib/crypto/keys.js';
import { resolveSecrets } from '../../../src/lib/crypto/secret.js';

const SECRET = 'a'.repeat(32);
const OLD = 'b'.repeat(40);
const now = () => 1_800_000_000_000;
const later = now() + 60_000;

describe('createSealer', () => {
	it('round-trips a payload and reports its expiry', async () => {
		const sealer = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		const sealed = await sealer.seal({ hello: 'wörld' }, later);
		const opened = await sealer.open<{ hello: string }>(sealed);
		expect(opened?.payload.hello).toBe('wörld');
		expect(opened?.expiresAt).toBe(later);
		expect(opened?.stale).toBe(false);
	});

	it('rejects a value whose ciphertext, tag or header was tampered with or truncated', async () => {
		const sealer = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		const sealed = await sealer.seal({ a: 1 }, later);
		const parts = sealed.split('.');
		const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
		expect(await sealer.open([parts[0], '', parts[2], flip(parts[3]), parts[4]].join('.'))).toBeNull();
		expect(await sealer.open([parts[0], '', parts[2], parts[3], flip(parts[4])].join('.'))).toBeNull();
		expect(await sealer.open(sealed.slice(0, -3))).toBeNull();
		expect(await sealer.open(sealed.split('.').slice(0, 4).join('.'))).toBeNull();
		expect(await sealer.open('')).toBeNull();
		expect(await sealer.open('%E0%A4%A')).toBeNull();
		// the untampered value still opens: the rejections above are the tampering, not the sealer
		expect(await sealer.open(sealed)).not.toBeNull();
	});

	it('never opens a value sealed for another purpose (transaction pasted into the session slot)', async () => {
		const transaction = createSealer({ secrets: [SECRET], purpose: 'transaction', clock: now });
		const session = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		const sealed = await transaction.seal({ state: 'x' }, later);
		expect(await session.open(sealed)).toBeNull();
		expect(await transaction.open(sealed)).not.toBeNull();
	});

	it('rejects the right key under a wrong purpose claim', async () => {
		// Same key, payload claims another purpose: the second guard besides distinct keys.
		const key = await deriveEncryptionKey(SECRET, 'session');
		const kid = await deriveKeyId(SECRET);
		const forged = await new EncryptJWT({ pur: 'transaction' })
			.setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
			.setIssuedAt()
			.setExpirationTime(Math.floor(later / 1000))
			.encrypt(key);
		const session = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		expect(await session.open(forged)).toBeNull();
	});

	it('opens a value sealed under an older secret and marks it stale; a removed secret does not open', async () => {
		const before = createSealer({ secrets: [OLD], purpose: 'session', clock: now });
		const sealed = await before.seal({ v: 1 }, later);
		const rotated = createSealer({ secrets: [SECRET, OLD], purpose: 'session', clock: now });
		const opened = await rotated.open(sealed);
		expect(opened?.stale).toBe(true);
		const resealed = await rotated.seal(opened!.payload, later);
		expect((await rotated.open(resealed))?.stale).toBe(false);
		const removed = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		expect(await removed.open(sealed)).toBeNull();
		expect(await removed.open(resealed)).not.toBeNull();
	});

	it('rejects a sealed value without exp and one whose exp has passed', async () => {
		const key = await deriveEncryptionKey(SECRET, 'session');
		const kid = await deriveKeyId(SECRET);
		const noExp = await new EncryptJWT({ pur: 'session' })
			.setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
			.setIssuedAt(Math.floor(now() / 1000))
			.encrypt(key);
		const sealer = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		expect(await sealer.open(noExp)).toBeNull();
		const expired = await sealer.seal({}, now() - 1000);
		expect(await sealer.open(expired)).toBeNull();
		expect(await sealer.open(await sealer.seal({}, now() + 1000))).not.toBeNull();
	});

	it('rejects PBES2 with a huge iteration count, zip and JWS inputs without doing their work', async () => {
		const sealer = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		const header = (h: object) => base64url.encode(JSON.stringify(h));
		const pbes2 = [header({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 1e9, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' }), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
		const zip = [header({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', kid: await deriveKeyId(SECRET) }), '', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
		const jws = await new SignJWT({ pur: 'session' })
			.setProtectedHeader({ alg: 'HS256' })
			.setExpirationTime('1h')
			.sign(new TextEncoder().encode(SECRET));
		const started = performance.now();
		expect(await sealer.open(pbes2)).toBeNull();
		expect(await sealer.open(zip)).toBeNull();
		expect(await sealer.open(jws)).toBeNull();
		// A p2c of 1e9 would take minutes if any PBKDF2 ran; a header check takes microseconds.
		expect(performance.now() - started).toBeLessThan(1000);
	});
});

describe('resolveSecrets', () => {
	it('refuses a secret shorter than 32 bytes and names the option', () => {
		expect(() => resolveSecrets('createAuthHandle', 'short')).toThrow(
			/createAuthHandle: options\.secret must be at least 32 bytes/
		);
		expect(() => resolveSecrets('createAuthHandle', [SECRET, 'short'])).toThrow(TypeError);
		expect(resolveSecrets('createAuthHandle', [SECRET, OLD])).toEqual([SECRET, OLD]);
	});

	it('carries a misuse code', () => {
		try {
			resolveSecrets('createAuthHandle', []);
			expect.unreachable();
		} catch (error) {
			expect((error as { code: string }).code).toBe('ERR_INVALID_OPTION');
		}
	});
});
