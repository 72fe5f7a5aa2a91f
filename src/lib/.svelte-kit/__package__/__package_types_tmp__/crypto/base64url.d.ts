export declare function bytesToBase64url(bytes: Uint8Array): string;
/** Decodes base64url; returns null (never throws) for input that is not canonical base64url. */
export declare function base64urlToBytes(value: string): Uint8Array | null;
export declare function utf8(value: string): Uint8Array<ArrayBuffer>;
/** Decodes UTF-8; returns null for invalid sequences. */
export declare function fromUtf8(bytes: Uint8Array): string | null;
/** Parses base64url-encoded JSON; null for anything malformed. */
export declare function decodeBase64urlJson(value: string): unknown;
/** Random bytes as base64url: identifiers, states, nonces. */
export declare function randomToken(byteLength?: number): string;
