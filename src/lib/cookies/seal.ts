import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Clock } from '../clock.js';
import { decodeBase64urlJson } from '../crypto/base64url.js';
import { deriveEncryptionKey, deriveKeyId, type KeyPurpose } from '../crypto/keys.js';

/** A value opened by a {@link Sealer}. */
export interface Opened<T> {
	payload: T;
	/** Expiry in milliseconds since the epoch. */
	expiresAt: number;
	/** Sealed under an older secret: re-seal it under the current one on the next write. */
	stale: boolean;
}

/** Seals JSON payloads as compact JWE (`dir` + `A256GCM`) under one purpose-bound key per secret. */
export interface Sealer {
	/** Seals `payload`; it stops opening at `expiresAt` (ms since the epoch). */
	seal(payload: Record<string, unknown>, expiresAt: number): Promise<string>;
	/** Opens a sealed value; null when it is malformed, tampered, expired, foreign or for another purpose. */
	open<T = Record<string, unknown>>(value: string): Promise<Opened<T> | null>;
}

interface KeyEntry {
	kid: string;
	key: CryptoKey;
}

// Sessions may be chunked over several cookies; anything longer is not ours.
const MAX_SEALED_LENGTH = 64 * 1024;
const ALLOWED_HEADER = new Set(['alg', 'enc', 'kid']);

/**
 * Creates a sealer. Keys are derived once here and awaited from a settled promise afterwards, so the
 * per-request path never derives a key. The purpose is also written into the payload (`pur`) and
 * checked, a second guard besides the distinct keys.
 */
export function createSealer(options: { secrets: readonly string[]; purpose: KeyPurpose; clock: Clock }): Sealer {
	const { secrets, purpose, clock } = options;
	const ready: Promise<KeyEntry[]> = Promise.all(
		secrets.map(async (secret) => ({
			kid: await deriveKeyId(secret),
			key: await deriveEncryptionKey(secret, purpose)
		}))
	);
	// A rejected derivation must surface on use, not as an unhandled rejection at startup.
	ready.catch(() => {});

	return {
		async seal(payload, expiresAt) {
			const [current] = await ready;
			const now = clock();
			return new EncryptJWT({ ...payload, pur: purpose })
				.setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.kid })
				.setIssuedAt(Math.floor(now / 1000))
				.setExpirationTime(Math.floor(expiresAt / 1000))
				.encrypt(current.key);
		},

		async open<T>(value: string): Promise<Opened<T> | null> {
			if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SEALED_LENGTH) return null;
			const parts = value.split('.');
			// dir has an empty encrypted-key part; checking the header here rejects PBES2 (p2c DoS),
			// zip (decompression bomb) and JWS inputs before jose does any work on them.
			if (parts.length !== 5 || parts[1] !== '') return null;
			const header = decodeBase64urlJson(parts[0]);
			if (!header || typeof header !== 'object' || Array.isArray(header)) return null;
			const h = header as Record<string, unknown>;
			for (const name of Object.keys(h)) if (!ALLOWED_HEADER.has(name)) return null;
			if (h.alg !== 'dir' || h.enc !== 'A256GCM' || typeof h.kid !== 'string') return null;
			const keys = await ready;
			const index = keys.findIndex((entry) => entry.kid === h.kid);
			if (index === -1) return null;
			try {
				const { payload } = await jwtDecrypt(value, keys[index].key, {
					keyManagementAlgorithms: ['dir'],
					contentEncryptionAlgorithms: ['A256GCM'],
					requiredClaims: ['exp', 'iat'],
					currentDate: new Date(clock()),
					clockTolerance: 0
				});
				if (payload.pur !== purpose || typeof payload.exp !== 'number') return null;
				return { payload: payload as T, expiresAt: payload.exp * 1000, stale: index !== 0 };
			} catch {
				return null;
			}
		}
	};
}
