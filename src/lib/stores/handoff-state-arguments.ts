import { misuse } from '../errors.js';
import { isRecord } from '../json.js';

// Shared argument checks of every HandoffStateStore in the package. Ids are random UUIDs minted by
// the handoff issuer; the cap only keeps a bug from writing huge keys (a Postgres btree entry must stay
// below ~2.7 kB).
const MAX_ID_LENGTH = 512;

export function assertStateId(where: string, stateId: unknown): asserts stateId is string {
	if (typeof stateId !== 'string' || stateId.length === 0 || stateId.length > MAX_ID_LENGTH) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			`${where}: stateId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`
		);
	}
}

export function assertStateArguments(
	where: string,
	stateId: unknown,
	state: unknown,
	ttlSeconds: unknown
): void {
	assertStateId(where, stateId);
	if (!isRecord(state)) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: state must be a plain object`);
	}
	if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: ttlSeconds must be a positive number`);
	}
}
