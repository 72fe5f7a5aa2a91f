import { misuse } from '../errors.js';
import { acceptFamily, assertFamilyId, deepFreeze } from './refresh-token-family-codec.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyUpdateResult
} from './refresh-token-family-store.js';

// The parts of `updateFamily` / `registerFamily` every RefreshTokenFamilyStore in the package shares,
// so that the three backends cannot drift apart on argument checks, error reasons or messages.

const MAX_ATTEMPTS = 8;

/** The `expired-at-issue` error of `registerFamily` (`'issue'`) or of an updater's result (`'update'`). */
export function expiredAtIssue(at: 'issue' | 'update'): RefreshTokenStorageError {
	return new RefreshTokenStorageError({
		reason: 'expired-at-issue',
		message:
			at === 'issue'
				? 'refresh token family expires at or before the time of issue'
				: 'the updated refresh token family expires at or before the time of the update'
	});
}

export function duplicateFamily(): RefreshTokenStorageError {
	return new RefreshTokenStorageError({
		reason: 'duplicate-family',
		message: 'a refresh token family with this id already exists'
	});
}

export function assertUpdateArguments(
	where: string,
	familyId: unknown,
	updater: unknown
): asserts familyId is string {
	assertFamilyId(where, familyId);
	if (typeof updater !== 'function') {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: updater must be a function`);
	}
}

/**
 * The private frozen copy of what an updater returned, once it is known to be a valid family under
 * the same id that does not expire at or before `now()`, and the instant it was checked against.
 */
export function acceptUpdate(
	where: string,
	familyId: string,
	next: RefreshTokenFamily,
	now: () => number
): { accepted: RefreshTokenFamily; at: number } {
	const accepted = acceptFamily(where, 'the family returned by the updater', next);
	if (accepted.familyId !== familyId) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: the updater must not change familyId`);
	}
	const at = now();
	if (accepted.expiresAtMs <= at) throw expiredAtIssue('update');
	return { accepted, at };
}

/**
 * `updateFamily` as an optimistic compare-and-set over a backend that can read a family with a version
 * token and commit only while that version is still current. A lost race re-reads and re-runs the
 * updater, at most 8 times in all, then throws `conflict-exhausted`.
 */
export async function casUpdate<Version>(options: {
	/** `<Store>.updateFamily`, for misuse messages. */
	where: string;
	familyId: string;
	updater: (current: RefreshTokenFamily) => RefreshTokenFamily | null;
	/** Whole milliseconds since the epoch, read once per attempt after the updater ran. */
	now: () => number;
	/** The live family and its version; null when it is missing or expired. */
	read: () => Promise<{ version: Version; family: RefreshTokenFamily } | null>;
	/** Writes `next` if the family is still at `version`; false when it moved on or vanished. */
	commit: (version: Version, next: RefreshTokenFamily, now: number) => Promise<boolean>;
}): Promise<RefreshTokenFamilyUpdateResult> {
	const { where, familyId, updater, now, read, commit } = options;
	assertUpdateArguments(where, familyId, updater);
	for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		const record = await read();
		if (record === null) return { outcome: 'not-found' };
		// Backends hand out freshly parsed values; freezing keeps an updater from mutating what it reads
		// and assuming that reaches the store.
		const next = updater(deepFreeze(record.family));
		if (next === null) return { outcome: 'aborted' };
		const { accepted, at } = acceptUpdate(where, familyId, next, now);
		if (await commit(record.version, accepted, at)) return { outcome: 'committed', family: accepted };
		// Lost the race (or the family expired meanwhile): back off a little so a crowd of writers
		// spreads out, then start over from a fresh read. No pause after the last attempt.
		if (attempt < MAX_ATTEMPTS) {
			await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
		}
	}
	throw new RefreshTokenStorageError({
		reason: 'conflict-exhausted',
		message: `refresh token family update lost ${MAX_ATTEMPTS} compare-and-set races in a row`
	});
}
