import { fromUtf8 } from '../crypto/base64url.js';
import { isPlainObject } from './handoff-token.js';

// Strict reading of a small JSON request body whose members are all strings. `JSON.parse` keeps the
// last of duplicate names silently, so `{"client_id":"a","client_id":"b"}` would mean different
// things to different parsers on the way (a proxy, a WAF, this endpoint); such a body is refused
// instead (row H6/H7, oauth4webapi's "must be provided only once" precedent).

/** True for `application/json`, optionally with `charset=utf-8`; nothing else is read. */
export function isJsonContentType(header: string | null): boolean {
	if (header === null) return false;
	const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
	if (type !== 'application/json') return false;
	return parameters.every((parameter) => parameter === '' || parameter === 'charset=utf-8' || parameter === 'charset="utf-8"');
}

/**
 * Parses `bytes` as a JSON object whose members are exactly `fields` plus any of `optional`, each
 * once, each a non-empty string. null for invalid UTF-8, invalid JSON, a non-object, a duplicate,
 * missing or unknown member, or a value of another type.
 */
export function parseStrictStringFields<K extends string, O extends string = never>(
	bytes: Uint8Array,
	fields: readonly K[],
	optional: readonly O[] = []
): (Record<K, string> & Partial<Record<O, string>>) | null {
	const text = fromUtf8(bytes);
	if (text === null) return null;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return null;
	}
	if (!isPlainObject(parsed)) return null;
	// Every required field present, the optional ones that are, each exactly once, nothing else.
	const present = optional.filter((field) => Object.hasOwn(parsed, field));
	const names = topLevelNames(text);
	if (names === null || names.length !== fields.length + present.length) return null;
	const result = {} as Record<string, string>;
	for (const field of [...fields, ...present]) {
		if (!Object.hasOwn(parsed, field)) return null;
		const value = parsed[field];
		if (typeof value !== 'string' || value === '') return null;
		result[field] = value;
	}
	return result as Record<K, string> & Partial<Record<O, string>>;
}

/**
 * The member names of the root object, duplicates included, decoded (`"\u0073tate"` is `state`).
 * Only called on text `JSON.parse` accepted with an object at the root, so a plain scan suffices.
 */
function topLevelNames(text: string): string[] | null {
	const names: string[] = [];
	let depth = 0;
	let expectingName = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '"') {
			let j = i + 1;
			while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
			if (depth === 1 && expectingName) {
				try {
					names.push(JSON.parse(text.slice(i, j + 1)) as string);
				} catch {
					return null;
				}
				expectingName = false;
			}
			i = j;
		} else if (c === '{' || c === '[') {
			depth++;
			if (depth === 1) expectingName = c === '{';
		} else if (c === '}' || c === ']') {
			depth--;
		} else if (c === ',' && depth === 1) {
			expectingName = true;
		}
	}
	return names;
}
