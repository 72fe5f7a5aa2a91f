import type { Clock } from '../clock.js';
import { defaultAesGcm, IV_BYTES, TAG_BYTES, type AesGcmEngine, type AesGcmKey, type Sealed } from '../crypto/aes-gcm.js';
import { decodeBase64urlJson, fromUtf8, utf8 } from '../crypto/base64url.js';
import { claimsJson, claimsSuffix } from './claims-json.js';
import { deriveKeyId, deriveRawEncryptionKey, type KeyPurpose } from '../crypto/keys.js';
import { isPlainObject } from '../json.js';

/** A value opened by a {@link Sealer}. */
export interface Opened<T> {
	payload: T;
	/** Expiry in milliseconds since the epoch. */
	expiresAt: number;
	/** Sealed under an older secret: re-seal it under the current one on the next write. */
	stale: boolean;
}

/**
 * Seals JSON payloads as compact JWE (`dir` + `A256GCM`, RFC 7516) under one purpose-bound key per
 * secret. Both methods answer synchronously when the runtime offers native AES-GCM and the keys are
 * derived (every call after the first few milliseconds of the process), through a promise otherwise.
 */
export interface Sealer {
	/** Seals `payload`; it stops opening at `expiresAt` (ms since the epoch). */
	seal(payload: Record<string, unknown>, expiresAt: number): string | Promise<string>;
	/** Opens a sealed value; null when it is malformed, tampered, expired, foreign or for another purpose. */
	open<T = Record<string, unknown>>(value: string): Opened<T> | null | Promise<Opened<T> | null>;
}

interface KeyEntry {
	kid: string;
	key: AesGcmKey;
	/** The protected header this key seals with, base64url: also the AAD (RFC 7516 §5.1 step 14). */
	header: string;
	aad: Uint8Array;
}

// Sessions may be chunked over several cookies; anything longer is not ours.
const MAX_SEALED_LENGTH = 64 * 1024;
const ALLOWED_HEADER = new Set(['alg', 'enc', 'kid']);

/**
 * Creates a sealer. Keys are derived once here; until they are, calls wait for them, and afterwards
 * the per-request path never derives a key. The purpose is also written into the payload (`pur`) and
 * checked, a second guard besides the distinct keys.
 *
 * The format is exactly what jose's `EncryptJWT` writes and `jwtDecrypt` reads with these options
 * (header `{"alg":"dir","enc":"A256GCM","kid":…}`, claims `…, pur, iat, exp`), so cookies sealed by
 * earlier versions open, and the checks are jose's: `exp` and `iat` required and numeric, expired when
 * `exp` ≤ now in whole seconds, no clock tolerance, `nbf` honoured when present.
 *
 * `engine` is for tests, which force each engine; by default the native one where offered.
 */
export function createSealer(options: { secrets: readonly string[]; purpose: KeyPurpose; clock: Clock; engine?: AesGcmEngine }): Sealer {
	const { secrets, purpose, clock } = options;
	const engine = options.engine ?? defaultAesGcm();
	let keys: KeyEntry[] | null = null;
	const ready: Promise<KeyEntry[]> = Promise.all(
		secrets.map(async (secret) => {
			const kid = await deriveKeyId(secret);
			const raw = await deriveRawEncryptionKey(secret, purpose);
			const key = await engine.importKey(raw);
			raw.fill(0);
			const header = engine.encode(utf8(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid })));
			return { kid, key, header, aad: utf8(header) };
		})
	).then((entries) => (keys = entries));
	// A rejected derivation must surface on use, not as an unhandled rejection at startup.
	ready.catch(() => {});

	const suffix = claimsSuffix(purpose);

	function sealWith(entries: KeyEntry[], payload: Record<string, unknown>, expiresAt: number): string | Promise<string> {
		const current = entries[0];
		const iv = nextIv();
		const json = claimsJson(payload, suffix, Math.floor(clock() / 1000), Math.floor(expiresAt / 1000));
		const sealed = engine.encrypt(current.key, iv, json, current.aad);
		return sealed instanceof Promise ? sealed.then((out) => compact(current.header, iv, out)) : compact(current.header, iv, sealed);
	}

	function compact(header: string, iv: Uint8Array, out: Sealed): string {
		return `${header}..${engine.encode(iv)}.${engine.encode(out.ciphertext)}.${engine.encode(out.tag)}`;
	}

	function openWith<T>(entries: KeyEntry[], value: string): Opened<T> | null | Promise<Opened<T> | null> {
		if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SEALED_LENGTH) return null;
		const parts = value.split('.');
		// dir has an empty encrypted-key part; checking the header here rejects PBES2 (p2c DoS),
		// zip (decompression bomb) and JWS inputs before any decryption is attempted.
		if (parts.length !== 5 || parts[1] !== '') return null;
		const index = keyIndex(entries, parts[0]);
		if (index === -1) return null;
		const iv = engine.decode(parts[2]);
		const ciphertext = engine.decode(parts[3]);
		const tag = engine.decode(parts[4]);
		if (!iv || iv.length !== IV_BYTES || !ciphertext || !tag || tag.length !== TAG_BYTES) return null;
		const aad = entries[index].header === parts[0] ? entries[index].aad : utf8(parts[0]);
		const plain = engine.decrypt(entries[index].key, iv, ciphertext, tag, aad);
		const stale = index !== 0;
		return plain instanceof Promise ? plain.then((bytes) => claimsOf<T>(bytes, stale)) : claimsOf<T>(plain, stale);
	}

	/** The claims checks jwtDecrypt made with requiredClaims exp and iat and clockTolerance 0. */
	function claimsOf<T>(bytes: Uint8Array | null, stale: boolean): Opened<T> | null {
		if (bytes === null) return null;
		const text = fromUtf8(bytes);
		if (text === null) return null;
		let payload: unknown;
		try {
			payload = JSON.parse(text);
		} catch {
			return null;
		}
		if (!isPlainObject(payload)) return null;
		const { exp, iat, nbf, pur } = payload;
		if (pur !== purpose || !isNumericDate(exp) || !isNumericDate(iat)) return null;
		const now = Math.floor(clock() / 1000);
		if (exp <= now) return null;
		if (nbf !== undefined && (!isNumericDate(nbf) || nbf > now)) return null;
		return { payload: payload as T, expiresAt: exp * 1000, stale };
	}

	return {
		seal(payload, expiresAt) {
			return keys ? sealWith(keys, payload, expiresAt) : ready.then((entries) => sealWith(entries, payload, expiresAt));
		},
		open<T>(value: string) {
			return keys ? openWith<T>(keys, value) : ready.then((entries) => openWith<T>(entries, value));
		}
	};
}

// IVs come from a pool of random bytes filled 256 IVs at a time: one call into the CSPRNG instead of one
// per seal (it cost as much as the encryption itself). Every IV is a fresh slice, never handed out twice;
// a refill allocates a new pool, so an IV still held by a pending Web Crypto call never changes.
const IV_POOL_IVS = 256;
let ivPool = new Uint8Array(0);
let ivOffset = 0;

function nextIv(): Uint8Array<ArrayBuffer> {
	if (ivOffset + IV_BYTES > ivPool.length) {
		ivPool = crypto.getRandomValues(new Uint8Array(IV_BYTES * IV_POOL_IVS));
		ivOffset = 0;
	}
	const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
	ivOffset += IV_BYTES;
	return iv;
}

/**
 * The key a protected header names, or -1. The header each key seals with is recognised by string
 * equality; any other spelling (another member order, say) is parsed and held to the allow-list.
 */
function keyIndex(entries: KeyEntry[], header: string): number {
	for (let i = 0; i < entries.length; i++) if (entries[i].header === header) return i;
	const parsed = decodeBase64urlJson(header);
	if (!isPlainObject(parsed)) return -1;
	for (const name of Object.keys(parsed)) if (!ALLOWED_HEADER.has(name)) return -1;
	if (parsed.alg !== 'dir' || parsed.enc !== 'A256GCM' || typeof parsed.kid !== 'string') return -1;
	return entries.findIndex((entry) => entry.kid === parsed.kid);
}

function isNumericDate(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}
