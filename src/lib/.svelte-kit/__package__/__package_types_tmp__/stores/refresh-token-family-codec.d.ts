import type { RefreshTokenFamily } from './refresh-token-family-store.js';
/** Why `value` is not a RefreshTokenFamily, or null when it is one. */
export declare function describeInvalidFamily(value: unknown): string | null;
export declare function assertFamilyId(where: string, familyId: unknown): asserts familyId is string;
/**
 * A deep-frozen private copy of a family the caller handed in, so the caller cannot change it after
 * the store accepted it. Throws a misuse TypeError naming `what` when it is not a valid family.
 */
export declare function acceptFamily(where: string, what: string, value: unknown): RefreshTokenFamily;
export declare function deepFreeze<T>(value: T): T;
/** JSON text of a family as the Redis and Postgres stores persist it. */
export declare function serializeFamily(family: RefreshTokenFamily): string;
/** Parses a persisted family; null when the text is not JSON or not a family stored under `familyId`. */
export declare function parseFamily(text: unknown, familyId: string): RefreshTokenFamily | null;
