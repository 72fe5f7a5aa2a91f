import type { Clock } from '../clock.js';
import { type KeyPurpose } from '../crypto/keys.js';
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
/**
 * Creates a sealer. Keys are derived once here and awaited from a settled promise afterwards, so the
 * per-request path never derives a key. The purpose is also written into the payload (`pur`) and
 * checked, a second guard besides the distinct keys.
 */
export declare function createSealer(options: {
    secrets: readonly string[];
    purpose: KeyPurpose;
    clock: Clock;
}): Sealer;
