import { deepFreeze } from '../json.js';
export { deepFreeze };
import { misuse } from '../errors.js';
import { isRecord } from '../json.js';
import type { RefreshTokenFamily } from './refresh-token-family-store.js';

// Validation, copying and (de)serialization of RefreshTokenFamily shared by every store in the
// package. Timestamps must be integers because the Postgres store keeps expiry in a bigint column.

const MAX_ID_LENGTH = 512;

/** Why `value` is not a RefreshTokenFamily, or null when it is one. */
export function describeInvalidFamily(value: unknown): string | null {
	if (!isRecord(value)) return 'not an object';
	const f = value;
	if (
		typeof f.familyId !== 'string' ||
		f.familyId.length === 0 ||
		f.familyId.length > MAX_ID_LENGTH
	) {
		return `familyId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
	}
	if (typeof f.subject !== 'string') return 'subject must be a string';
	if (!isNonNegativeInteger(f.generation)) return 'generation must be a non-negative integer';
	if (typeof f.payload !== 'string') return 'payload must be a string';
	if (f.previousPayload !== null && typeof f.previousPayload !== 'string') {
		return 'previousPayload must be a string or null';
	}
	if (!Number.isSafeInteger(f.rotatedAtMs)) return 'rotatedAtMs must be an integer';
	if (!Number.isSafeInteger(f.createdAtMs)) return 'createdAtMs must be an integer';
	if (!Number.isSafeInteger(f.expiresAtMs)) return 'expiresAtMs must be an integer';
	if (f.revokedAtMs !== null && !Number.isSafeInteger(f.revokedAtMs)) {
		return 'revokedAtMs must be an integer or null';
	}
	if (f.lease !== null) {
		const lease = f.lease as Record<string, unknown> | undefined;
		if (typeof lease !== 'object' || lease === null) return 'lease must be an object or null';
		if (typeof lease.id !== 'string' || lease.id.length === 0) {
			return 'lease.id must be a non-empty string';
		}
		if (!Number.isSafeInteger(lease.expiresAtMs)) return 'lease.expiresAtMs must be an integer';
	}
	return null;
}

function isNonNegativeInteger(value: unknown): value is number {
	return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function assertFamilyId(where: string, familyId: unknown): asserts familyId is string {
	if (typeof familyId !== 'string' || familyId.length === 0 || familyId.length > MAX_ID_LENGTH) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			`${where}: familyId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`
		);
	}
}

/**
 * A deep-frozen private copy of a family the caller handed in, so the caller cannot change it after
 * the store accepted it. Throws a misuse TypeError naming `what` when it is not a valid family.
 */
export function acceptFamily(where: string, what: string, value: unknown): RefreshTokenFamily {
	const problem = describeInvalidFamily(value);
	if (problem !== null) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: ${what} is invalid: ${problem}`);
	}
	// structuredClone reads each property once: a getter cannot answer validation and storage differently.
	const copy = structuredClone(value) as RefreshTokenFamily;
	const again = describeInvalidFamily(copy);
	if (again !== null) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: ${what} is invalid: ${again}`);
	}
	return deepFreeze(copy);
}


/** JSON text of a family as the Redis and Postgres stores persist it. */
export function serializeFamily(family: RefreshTokenFamily): string {
	return JSON.stringify(family);
}

/** Parses a persisted family; null when the text is not JSON or not a family stored under `familyId`. */
export function parseFamily(text: unknown, familyId: string): RefreshTokenFamily | null {
	if (typeof text !== 'string') return null;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return null;
	}
	if (describeInvalidFamily(value) !== null) return null;
	return (value as RefreshTokenFamily).familyId === familyId ? (value as RefreshTokenFamily) : null;
}
