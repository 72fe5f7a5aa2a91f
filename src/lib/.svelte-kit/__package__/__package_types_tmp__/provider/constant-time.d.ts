/**
 * Compares two strings in time that depends on neither their content nor their lengths: both are
 * hashed with SHA-256 first and the fixed-length digests are compared without an early exit. A plain
 * `===` stops at the first differing character, which lets a caller who can time many requests
 * learn a client secret or a bound `state` one character at a time.
 */
export declare function equalsConstantTime(a: string, b: string): Promise<boolean>;
