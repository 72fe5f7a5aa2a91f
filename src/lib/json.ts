// Object checks for untrusted values, so the package spells each one once.

/**
 * An object as JSON.parse or an object literal makes it: not null, not an array, and with
 * `Object.prototype` or no prototype, so class instances, Maps and Dates are refused.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (!isRecord(value)) return false;
	const proto = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

/**
 * Any object that is not null and not an array, whatever its prototype. Looser than
 * {@link isPlainObject}, for caller-supplied values that public APIs have always accepted this way.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Freezes a value and everything it holds, so a shared value cannot be changed through any reference. */
export function deepFreeze<T>(value: T): T {
	if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
	}
	return value;
}
