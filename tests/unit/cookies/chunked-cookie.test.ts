import { describe, expect, it } from 'vitest';
import { readChunked } from '../../../src/lib/cookies/chunked-cookie.js';

const chunks = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`sso.${i}`, `part${i}`] as const));

describe('reading a chunked cookie', () => {
	it('refuses more chunks than the limit, even when they are consistent (S6)', () => {
		expect(readChunked(chunks(4), 'sso', 4)).toEqual({ value: 'part0part1part2part3', present: ['sso.0', 'sso.1', 'sso.2', 'sso.3'], inconsistent: false });
		const flooded = readChunked(chunks(5), 'sso', 4);
		expect(flooded.value).toBeNull();
		expect(flooded.inconsistent).toBe(true);
		// Every flooded chunk is listed, so the answer deletes them all.
		expect(flooded.present).toHaveLength(5);
	});

	it('refuses a chunk index written with a leading zero, a gap, or a whole value beside chunks', () => {
		expect(readChunked(new Map([['sso.0', 'a'], ['sso.01', 'b']]), 'sso', 4).inconsistent).toBe(true);
		expect(readChunked(new Map([['sso.0', 'a'], ['sso.2', 'b']]), 'sso', 4).inconsistent).toBe(true);
		expect(readChunked(new Map([['sso', 'x'], ['sso.0', 'a']]), 'sso', 4).inconsistent).toBe(true);
		expect(readChunked(new Map([['other.0', 'a']]), 'sso', 4)).toEqual({ value: null, present: [], inconsistent: false });
	});
});
