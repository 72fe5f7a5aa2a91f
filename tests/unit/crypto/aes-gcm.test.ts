import { describe, expect, it } from 'vitest';
import { defaultAesGcm, detectNativeAesGcm, nativeAesGcm, webAesGcm, type AesGcmEngine } from '../../../src/lib/crypto/aes-gcm.js';

const hex = (value: string) => Uint8Array.from(value.match(/../g) ?? [], (byte) => parseInt(byte, 16));
const toHex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

// McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, with AAD).
const VECTOR = {
	key: hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
	iv: hex('cafebabefacedbaddecaf888'),
	plaintext: hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39'),
	aad: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
	ciphertext: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
	tag: '76fc6ece0f4e1768cddf8853bb2d551b'
};

describe.each([
	['native', nativeAesGcm()!],
	['Web Crypto', webAesGcm]
])('AES-256-GCM, %s engine', (_, engine: AesGcmEngine) => {
	it('matches the published test vector both ways', async () => {
		const key = await engine.importKey(VECTOR.key.slice());
		const out = await engine.encrypt(key, VECTOR.iv, VECTOR.plaintext, VECTOR.aad);
		expect(toHex(out.ciphertext)).toBe(VECTOR.ciphertext);
		expect(toHex(out.tag)).toBe(VECTOR.tag);
		const plain = await engine.decrypt(key, VECTOR.iv, hex(VECTOR.ciphertext), hex(VECTOR.tag), VECTOR.aad);
		expect(toHex(plain!)).toBe(toHex(VECTOR.plaintext));
	});

	it('encrypts a string plaintext as its UTF-8 bytes, as the other engine does', async () => {
		const key = await engine.importKey(VECTOR.key.slice());
		const other = engine === webAesGcm ? nativeAesGcm()! : webAesGcm;
		const text = '{"s":{"name":"Zoë 🦊 \u2028"},"pur":"session"}';
		const fromString = await engine.encrypt(key, VECTOR.iv, text, VECTOR.aad);
		const fromBytes = await engine.encrypt(key, VECTOR.iv, new TextEncoder().encode(text), VECTOR.aad);
		const fromOther = await other.encrypt(await other.importKey(VECTOR.key.slice()), VECTOR.iv, text, VECTOR.aad);
		expect(toHex(fromString.ciphertext)).toBe(toHex(fromBytes.ciphertext));
		expect(toHex(fromString.tag)).toBe(toHex(fromBytes.tag));
		expect(toHex(fromString.ciphertext) + toHex(fromString.tag)).toBe(toHex(fromOther.ciphertext) + toHex(fromOther.tag));
		const plain = await engine.decrypt(key, VECTOR.iv, fromString.ciphertext, fromString.tag, VECTOR.aad);
		expect(new TextDecoder().decode(plain!)).toBe(text);
		// A lone surrogate (JSON.stringify never writes one) becomes U+FFFD either way.
		const lone = await engine.encrypt(key, VECTOR.iv, 'a\ud800b', VECTOR.aad);
		expect(toHex(lone.ciphertext)).toBe(toHex((await engine.encrypt(key, VECTOR.iv, new TextEncoder().encode('a\ud800b'), VECTOR.aad)).ciphertext));
	});

	it('refuses a flipped tag, ciphertext bit or AAD byte with null, not a throw', async () => {
		const key = await engine.importKey(VECTOR.key.slice());
		const flip = (bytes: Uint8Array, at: number) => bytes.map((b, i) => (i === at ? b ^ 1 : b));
		expect(await engine.decrypt(key, VECTOR.iv, hex(VECTOR.ciphertext), flip(hex(VECTOR.tag), 15), VECTOR.aad)).toBeNull();
		expect(await engine.decrypt(key, VECTOR.iv, flip(hex(VECTOR.ciphertext), 0), hex(VECTOR.tag), VECTOR.aad)).toBeNull();
		expect(await engine.decrypt(key, VECTOR.iv, hex(VECTOR.ciphertext), hex(VECTOR.tag), flip(VECTOR.aad, 3))).toBeNull();
		expect(await engine.decrypt(key, VECTOR.iv, hex(VECTOR.ciphertext), hex(VECTOR.tag), VECTOR.aad)).not.toBeNull();
	});

	it('decodes only canonical base64url (X4), and encodes as the other engine does', () => {
		for (const value of ['AA', 'AB=', 'A+B', 'A/B', 'A', 'QUJD ']) {
			expect(engine.decode(value) === null).toBe(value !== 'AA');
		}
		expect(engine.decode('AB')).toBeNull();
		const bytes = Uint8Array.from({ length: 257 }, (_, i) => i & 255);
		expect(engine.encode(bytes)).toBe(webAesGcm.encode(bytes));
		// A view into a larger buffer encodes its own bytes only, and so does a Buffer (the native
		// engine's own outputs, which it encodes without a view of its own).
		const view = bytes.subarray(5, 5 + 31);
		expect(engine.encode(view)).toBe(webAesGcm.encode(Uint8Array.from(view)));
		const buffer = Buffer.from(bytes.buffer, 7, 100);
		expect(engine.encode(buffer)).toBe(webAesGcm.encode(Uint8Array.from(buffer)));
		expect(engine.encode(new Uint8Array(0))).toBe('');
		expect(toHex(engine.decode(engine.encode(bytes))!)).toBe(toHex(bytes));
	});
});

describe('engine detection', () => {
	it('finds the synchronous native engine on Node through process.getBuiltinModule, and uses it by default', async () => {
		const engine = nativeAesGcm();
		expect(engine?.kind).toBe('native');
		expect(defaultAesGcm()).toBe(engine);
		const key = await engine!.importKey(VECTOR.key.slice());
		// Synchronous: a value, not a promise.
		expect(engine!.decrypt(key, VECTOR.iv, hex(VECTOR.ciphertext), hex(VECTOR.tag), VECTOR.aad)).toBeInstanceOf(Uint8Array);
	});
});

describe('engine detection without a usable native module', () => {
	it('falls back (null) without getBuiltinModule, without node:crypto, or when the module fails the known answer', () => {
		const real = globalThis.process;
		expect(detectNativeAesGcm(undefined)).toBeNull();
		expect(detectNativeAesGcm({})).toBeNull();
		expect(detectNativeAesGcm({ getBuiltinModule: () => undefined })).toBeNull();
		const crypto = real.getBuiltinModule('node:crypto');
		const wrong = {
			getBuiltinModule: (id: string) =>
				id === 'node:crypto' ? { ...crypto, createCipheriv: (...args: Parameters<typeof crypto.createCipheriv>) => crypto.createCipheriv('aes-256-gcm', Buffer.alloc(32, 1), args[2] as Buffer, { authTagLength: 16 }) } : real.getBuiltinModule(id)
		};
		expect(detectNativeAesGcm(wrong)).toBeNull();
		// The real module passes: the refusals above are the faults, not the detector.
		expect(detectNativeAesGcm(real)?.kind).toBe('native');
	});
});
