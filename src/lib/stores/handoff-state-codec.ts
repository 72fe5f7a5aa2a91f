import { misuse } from '../errors.js';
import { isPlainObject } from '../json.js';

// JSON text of handoff state as the Redis and Postgres stores persist it.

export function serializeState(where: string, state: Record<string, unknown>): string {
	try {
		return JSON.stringify(state);
	} catch {
		// Circular structures and BigInt: say so without echoing the state.
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: state must be JSON-serializable`);
	}
}

/** The state object, or null when `text` is not the JSON of an object. */
export function parseState(text: unknown): Record<string, unknown> | null {
	if (typeof text !== 'string') return null;
	try {
		const value: unknown = JSON.parse(text);
		return isPlainObject(value) ? value : null;
	} catch {
		return null;
	}
}
