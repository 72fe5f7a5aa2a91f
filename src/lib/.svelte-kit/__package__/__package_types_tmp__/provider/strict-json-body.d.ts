/** True for `application/json`, optionally with `charset=utf-8`; nothing else is read. */
export declare function isJsonContentType(header: string | null): boolean;
/**
 * Reads at most `maxBytes` of the body. null when the declared or actual length is larger (reading
 * stops there: an oversized body costs no more than `maxBytes` of memory) or the stream fails.
 */
export declare function readBodyCapped(request: Request, maxBytes: number): Promise<Uint8Array | null>;
/**
 * Parses `bytes` as a JSON object whose members are exactly `fields`, each once, each a non-empty
 * string. null for invalid UTF-8, invalid JSON, a non-object, a duplicate, missing or unknown member,
 * or a value of another type.
 */
export declare function parseStrictStringFields<K extends string>(bytes: Uint8Array, fields: readonly K[]): Record<K, string> | null;
