import { base64urlToBytes, bytesToBase64url, isCanonicalBase64url, utf8 } from './base64url.js';

/**
 * AES-256-GCM with a 96-bit IV and a 128-bit tag, the content encryption of compact JWE `A256GCM`
 * (RFC 7518 §5.3). Two engines compute the same function: a synchronous one on the runtime's native
 * crypto module where the runtime exposes it through `process.getBuiltinModule` (Node ≥ 20.16 / 22.3,
 * Bun, Deno), and Web Crypto everywhere else, which answers through a promise (a thread-pool round
 * trip per call). A value sealed by one opens with the other; docs/ARCHITECTURE.md ("Sealing").
 */
export interface AesGcmEngine {
	readonly kind: 'native' | 'web';
	/** Turns 32 raw key bytes into this engine's key; the caller wipes `raw` afterwards. */
	importKey(raw: Uint8Array<ArrayBuffer>): Promise<AesGcmKey>;
	/** The plaintext, or null when the tag does not verify. */
	decrypt(key: AesGcmKey, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array | null | Promise<Uint8Array | null>;
	/** Ciphertext and tag; a string plaintext is encrypted as its UTF-8 bytes. */
	encrypt(key: AesGcmKey, iv: Uint8Array, plaintext: Uint8Array | string, aad: Uint8Array): Sealed | Promise<Sealed>;
	/** Base64url (RFC 4648 §5, no padding). */
	encode(bytes: Uint8Array): string;
	/** Base64url to bytes; null for input that is not canonical base64url (docs/SECURITY.md X4). */
	decode(value: string): Uint8Array | null;
}

/** An engine's key: opaque outside the engine that made it. */
export interface AesGcmKey {
	readonly engine: AesGcmEngine['kind'];
}

export interface Sealed {
	ciphertext: Uint8Array;
	tag: Uint8Array;
}

export const IV_BYTES = 12;
export const TAG_BYTES = 16;

// The part of the native crypto and buffer modules this file calls, typed here so the package keeps
// compiling with Web types only (no static `node:` import, no Node types).
interface NativeCipher {
	setAAD(aad: Uint8Array): unknown;
	update(data: Uint8Array): Uint8Array;
	update(data: string, inputEncoding: 'utf8'): Uint8Array;
	final(): Uint8Array;
}
interface NativeDecipher extends NativeCipher {
	setAuthTag(tag: Uint8Array): unknown;
}
interface NativeEncipher extends NativeCipher {
	getAuthTag(): Uint8Array;
}
interface NativeCrypto {
	createCipheriv(algorithm: string, key: unknown, iv: Uint8Array, options: { authTagLength: number }): NativeEncipher;
	createDecipheriv(algorithm: string, key: unknown, iv: Uint8Array, options: { authTagLength: number }): NativeDecipher;
	createSecretKey(key: Uint8Array): unknown;
	getCiphers(): string[];
}
interface NativeBuffer {
	new (...args: never[]): Uint8Array & AsBase64url;
	from(value: string, encoding: 'base64url'): Uint8Array;
	from(value: Uint8Array['buffer'], offset: number, length: number): AsBase64url;
	concat(list: Uint8Array[]): Uint8Array;
}

interface AsBase64url {
	toString(encoding: 'base64url'): string;
}

interface NativeKey extends AesGcmKey {
	readonly engine: 'native';
	readonly key: unknown;
}
interface WebKey extends AesGcmKey {
	readonly engine: 'web';
	readonly key: CryptoKey;
}

const ALGORITHM = 'aes-256-gcm';
// Ciphertext and tag of the known-answer check, base64url: cea7403d…9d18 and d0d1c8a7…b919.
const KNOWN_ANSWER = 'zqdAPU1ga24HTsXTuvOdGA' + '0NHIp5mZa_AmW5i11Iq5GQ';

/** The Web Crypto engine: every runtime with `crypto.subtle`. */
export const webAesGcm: AesGcmEngine = {
	kind: 'web',
	async importKey(raw) {
		const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
		return { engine: 'web', key } satisfies WebKey;
	},
	async decrypt(key, iv, ciphertext, tag, aad) {
		const joined = new Uint8Array(ciphertext.length + tag.length);
		joined.set(ciphertext);
		joined.set(tag, ciphertext.length);
		try {
			const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: 128 }, (key as WebKey).key, joined);
			return new Uint8Array(plain);
		} catch {
			return null;
		}
	},
	async encrypt(key, iv, plaintext, aad) {
		const out = new Uint8Array(
			await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer>, tagLength: 128 }, (key as WebKey).key, (typeof plaintext === 'string' ? utf8(plaintext) : plaintext) as Uint8Array<ArrayBuffer>)
		);
		return { ciphertext: out.subarray(0, out.length - TAG_BYTES), tag: out.subarray(out.length - TAG_BYTES) };
	},
	encode: bytesToBase64url,
	decode: base64urlToBytes
};

/** The synchronous engine over a native crypto module and Buffer (detected by {@link nativeAesGcm}). */
function createNativeEngine(native: NativeCrypto, buffer: NativeBuffer): AesGcmEngine {
	const options = { authTagLength: TAG_BYTES };
	return {
		kind: 'native',
		async importKey(raw) {
			return { engine: 'native', key: native.createSecretKey(raw.slice()) } satisfies NativeKey;
		},
		decrypt(key, iv, ciphertext, tag, aad) {
			try {
				const decipher = native.createDecipheriv(ALGORITHM, (key as NativeKey).key, iv, options);
				decipher.setAAD(aad);
				decipher.setAuthTag(tag);
				const head = decipher.update(ciphertext);
				// Throws when the tag does not verify; nothing of `head` is used before it returns.
				const tail = decipher.final();
				return tail.length === 0 ? head : buffer.concat([head, tail]);
			} catch {
				return null;
			}
		},
		encrypt(key, iv, plaintext, aad) {
			const cipher = native.createCipheriv(ALGORITHM, (key as NativeKey).key, iv, options);
			cipher.setAAD(aad);
			// A string goes in as it is: the module encodes it without a Uint8Array of its own on the heap.
			const head = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
			const tail = cipher.final();
			return { ciphertext: tail.length === 0 ? head : buffer.concat([head, tail]), tag: cipher.getAuthTag() };
		},
		// The module's own outputs (ciphertext, tag) are Buffers already: no view to make for them.
		encode: (bytes) => (bytes instanceof buffer ? bytes : buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url'),
		// Buffer's decoder is lenient (it skips foreign characters and ignores trailing bits): the
		// canonical check comes first, so both engines accept exactly the same spellings.
		decode: (value) => (isCanonicalBase64url(value) ? buffer.from(value, 'base64url') : null)
	};
}

let detected: AesGcmEngine | null | undefined;

/**
 * The native engine when the runtime offers one, else null. Detected at run time, once: no static
 * `node:` import, so bundlers and Web-only runtimes never see one.
 */
export function nativeAesGcm(): AesGcmEngine | null {
	if (detected === undefined) detected = detectNativeAesGcm((globalThis as { process?: unknown }).process);
	return detected;
}

/**
 * The native engine over `proc.getBuiltinModule('node:crypto')` and `'node:buffer'`, or null when
 * either is missing, lacks a member, or fails a known answer.
 */
export function detectNativeAesGcm(proc: unknown): AesGcmEngine | null {
	try {
		const load = (proc as { getBuiltinModule?: unknown } | undefined)?.getBuiltinModule;
		if (typeof load !== 'function') return null;
		const native = load.call(proc, 'node:crypto') as Partial<NativeCrypto> | undefined;
		const buffer = (load.call(proc, 'node:buffer') as { Buffer?: Partial<NativeBuffer> } | undefined)?.Buffer;
		if (
			typeof native?.createCipheriv !== 'function' ||
			typeof native.createDecipheriv !== 'function' ||
			typeof native.createSecretKey !== 'function' ||
			typeof native.getCiphers !== 'function' ||
			!native.getCiphers().includes(ALGORITHM) ||
			typeof buffer?.from !== 'function' ||
			typeof buffer.concat !== 'function'
		) {
			return null;
		}
		const engine = createNativeEngine(native as NativeCrypto, buffer as NativeBuffer);
		// A known answer (AES-256-GCM, zero key and IV, one zero block: McGrew & Viega test case 14)
		// before trusting a module that merely has the right shape.
		const zero = new Uint8Array(32);
		const key: NativeKey = { engine: 'native', key: (native as NativeCrypto).createSecretKey(zero) };
		const out = engine.encrypt(key, zero.subarray(0, IV_BYTES), zero.subarray(0, 16), zero.subarray(0, 0)) as Sealed;
		return engine.encode(out.ciphertext) + engine.encode(out.tag) === KNOWN_ANSWER ? engine : null;
	} catch {
		return null;
	}
}

/** The engine sealers use by default: native where offered, Web Crypto otherwise. */
export function defaultAesGcm(): AesGcmEngine {
	return nativeAesGcm() ?? webAesGcm;
}
