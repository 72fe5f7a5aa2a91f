import type { CookieAttributes, CookieBatch } from './cookie-batch.js';

/** What the request carried under one chunked cookie name. */
export interface ChunkedRead {
	/** The joined value, or null when absent or inconsistent. */
	value: string | null;
	/** Names of every cookie that belongs to this one (whole or chunk): the ones a rewrite must clear. */
	present: string[];
	/** Chunks out of sequence, a chunk beside a whole value, or too many chunks: treat as signed out. */
	inconsistent: boolean;
}

const CHUNK = /^(.*)\.(\d{1,2})$/;

/**
 * Reads `name` whole, or joined from `name.0 … name.N`. A gap, an extra chunk, or a whole value next
 * to chunks (a stale cookie left from before the session grew) makes the read inconsistent: whatever
 * arrives is then never half-trusted (Auth.js cookie.ts; nextjs-auth0 #2009). Reordered or foreign
 * chunks need no check here: the joined JWE fails authentication.
 */
export function readChunked(cookies: ReadonlyMap<string, string>, name: string, maxChunks: number): ChunkedRead {
	const present: string[] = [];
	const chunks: string[] = [];
	let whole: string | undefined;
	let highest = -1;
	for (const [cookieName, value] of cookies) {
		if (cookieName === name) {
			whole = value;
			present.push(cookieName);
			continue;
		}
		const match = CHUNK.exec(cookieName);
		if (!match || match[1] !== name) continue;
		const index = Number(match[2]);
		present.push(cookieName);
		if (String(index) !== match[2]) return { value: null, present, inconsistent: true };
		chunks[index] = value;
		if (index > highest) highest = index;
	}
	if (present.length === 0) return { value: null, present, inconsistent: false };
	if (whole !== undefined) {
		return present.length === 1 ? { value: whole || null, present, inconsistent: false } : { value: null, present, inconsistent: true };
	}
	if (highest + 1 !== present.length || highest + 1 > maxChunks) return { value: null, present, inconsistent: true };
	for (let i = 0; i <= highest; i++) if (!chunks[i]) return { value: null, present, inconsistent: true };
	return { value: chunks.join(''), present, inconsistent: false };
}

/**
 * Writes `value` whole when its Set-Cookie fits `maxSetCookieBytes`, otherwise in chunks that each
 * fit, and deletes every cookie of `present` the new value does not overwrite. Returns false (and
 * writes nothing) when the value would need more than `maxChunks` chunks.
 */
export function writeChunked(
	batch: CookieBatch,
	name: string,
	value: string,
	attributes: CookieAttributes,
	present: readonly string[],
	limits: { maxSetCookieBytes: number; maxChunks: number }
): boolean {
	// Budget for attributes as Kit serializes them, with room for an Expires date and a long domain.
	const overhead = 160 + (attributes.domain?.length ?? 0) + attributes.path.length;
	const room = limits.maxSetCookieBytes - overhead - name.length - 4;
	const names: string[] = [];
	if (value.length + name.length + 1 + overhead <= limits.maxSetCookieBytes) {
		names.push(name);
		batch.set(name, value, attributes);
	} else {
		const count = Math.ceil(value.length / room);
		if (count > limits.maxChunks) return false;
		for (let i = 0; i < count; i++) {
			const chunkName = `${name}.${i}`;
			names.push(chunkName);
			batch.set(chunkName, value.slice(i * room, (i + 1) * room), attributes);
		}
	}
	for (const stale of present) if (!names.includes(stale)) batch.delete(stale, attributes);
	return true;
}

/** Deletes every cookie of `present`. */
export function clearChunked(batch: CookieBatch, present: readonly string[], attributes: CookieAttributes): void {
	for (const cookieName of present) batch.delete(cookieName, attributes);
}
