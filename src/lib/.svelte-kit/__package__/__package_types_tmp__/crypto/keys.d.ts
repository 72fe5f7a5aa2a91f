/**
 * Everything the package derives from a secret carries its purpose in the HKDF `info`, so a value
 * sealed or MAC'd for one purpose never verifies as another (CVE-2023-48309: a state cookie accepted
 * as a session).
 */
export type KeyPurpose = 'session' | 'transaction' | 'handoff-result' | 'handoff-token' | 'handoff-state'
/** Token sets sealed into refresh-token family payloads: the family store never holds a token in the clear. */
 | 'family';
/** A key identifier that is the same on every instance holding the secret and reveals nothing of it. */
export declare function deriveKeyId(secret: string): Promise<string>;
/** An AES-256-GCM key for one purpose. */
export declare function deriveEncryptionKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey>;
/** An HMAC-SHA256 key for one purpose. */
export declare function deriveMacKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey>;
