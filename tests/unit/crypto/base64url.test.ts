import { describe, expect, it } from 'vitest';
import { base64urlToBytes, bytesToBase64url, decodeBase64urlJson } from '../../../src/lib/crypto/base64url.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every spelling of `canonical` that differs only in the unused low bits of its last character. */
function spellings(canonical: string): string[] {
	const unusedBits = canonical.length % 4 === 2 ? 4 : 2;
	const last = ALPHABET.indexOf(canonical.at(-1)!);
	return Array.from({ length: 1 << unusedBits }, (_, low) => canonical.slice(0, -1) + ALPHABET[(last & ~((1 << unusedBits) - 1)) | low]);
}

describe('base64urlToBytes: one spelling per value (K1, X4)', () => {
	it('decodes the canonical spelling and refuses the others, for 1 and 2 trailing bytes', () => {
		for (const bytes of [new Uint8Array([0xff]), new Uint8Array([1, 2]), new Uint8Array([7, 8, 9, 10]), crypto.getRandomValues(new Uint8Array(32))]) {
			const canonical = bytesToBase64url(bytes);
			const all = spellings(canonical);
			expect(all).toContain(canonical);
			expect(all).toHaveLength(bytes.length % 3 === 1 ? 16 : 4);
			for (const spelling of all) {
				if (spelling === canonical) expect(base64urlToBytes(spelling)).toEqual(bytes);
				else expect(base64urlToBytes(spelling), spelling).toBeNull();
			}
		}
	});

	it('shows the two spellings the lax decoder let through: AB and AC for the byte 0x00', () => {
		expect(base64urlToBytes('AA')).toEqual(new Uint8Array([0]));
		expect(base64urlToBytes('AB')).toBeNull();
		expect(base64urlToBytes('AC')).toBeNull();
		expect(base64urlToBytes('AAA')).toEqual(new Uint8Array([0, 0]));
		expect(base64urlToBytes('AAB')).toBeNull();
	});

	it('still decodes whole groups and the empty string, and refuses padding, standard base64 and impossible lengths', () => {
		expect(base64urlToBytes('')).toEqual(new Uint8Array([]));
		expect(base64urlToBytes('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
		for (const value of ['AA==', '+/+/', 'A', 'AAAAA', 'AA A', 'AA\n']) expect(base64urlToBytes(value), value).toBeNull();
	});

	it('decodeBase64urlJson refuses a non-canonical spelling of valid JSON', () => {
		const canonical = bytesToBase64url(new TextEncoder().encode('{"a":1}'));
		expect(decodeBase64urlJson(canonical)).toEqual({ a: 1 });
		for (const spelling of spellings(canonical).filter((s) => s !== canonical)) expect(decodeBase64urlJson(spelling)).toBeNull();
	});
});
