import { describe, expect, it } from 'vitest';
import { claimsJson, claimsSuffix } from '../../../src/lib/cookies/claims-json.js';

const suffix = claimsSuffix('session');
// What the sealer wrote before: the definition the fast path must match byte for byte.
const spread = (payload: Record<string, unknown>, iat: number, exp: number) => JSON.stringify({ ...payload, pur: 'session', iat, exp });

describe('claimsJson', () => {
	const withProtoKey = JSON.parse('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>;
	const cases: [string, Record<string, unknown>][] = [
		['a session payload', { s: { id: 'sid', user: { id: 'u1', name: 'Zoë 🦊 "quoted" \\ \u2028' }, createdAt: 1, tokens: undefined } }],
		['an empty payload', {}],
		['a payload whose only member serializes to nothing', { a: undefined, f: () => 1 }],
		['a payload with several members and integer-like keys', { b: 1, 2: 'two', a: [1, { c: null }], 1: true }],
		['a payload with its own `__proto__` member (JSON.parse makes one)', withProtoKey],
		['a payload naming a claim (pur)', { pur: 'transaction', v: 1 }],
		['a payload naming a claim (iat)', { v: 1, iat: 2 }],
		['a payload naming a claim (exp)', { exp: 1, v: 1 }],
		['a payload with toJSON', { v: 1, toJSON: () => ({ other: true }) }],
		['a payload without a prototype', Object.assign(Object.create(null) as Record<string, unknown>, { v: 1 })],
		['an array (its indices become members)', ['a', 'b'] as unknown as Record<string, unknown>],
		['a boxed string', new String('ab') as unknown as Record<string, unknown>],
		['a class instance', new (class Payload { v = 1; })() as unknown as Record<string, unknown>]
	];

	it.each(cases)('writes what the spread wrote: %s', (_, payload) => {
		for (const [iat, exp] of [
			[1_800_000_000, 1_800_003_600],
			[0, -0],
			[1e21, 1.5]
		]) {
			expect(claimsJson(payload, suffix, iat, exp)).toBe(spread(payload, iat, exp));
		}
	});

	it('writes what the spread wrote for times that are not finite numbers (null, which no sealer opens)', () => {
		for (const [iat, exp] of [
			[NaN, 1],
			[1, Infinity],
			[-Infinity, NaN]
		]) {
			expect(claimsJson({ v: 1 }, suffix, iat, exp)).toBe(spread({ v: 1 }, iat, exp));
		}
	});

	it("ends with the sealer's own purpose and times whatever the payload names: the purpose guard cannot be set by a payload", () => {
		const parsed = JSON.parse(claimsJson({ pur: 'transaction', iat: 0, exp: 9e9 }, suffix, 10, 20));
		expect(parsed).toEqual({ pur: 'session', iat: 10, exp: 20 });
		const quoted = claimsSuffix('a"b');
		expect(JSON.parse(claimsJson({ v: 1 }, quoted, 10, 20))).toEqual({ v: 1, pur: 'a"b', iat: 10, exp: 20 });
	});

	it('writes what the spread wrote for generated payloads', () => {
		let seed = 7;
		const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
		const names = ['a', 'pur', 's', '0', '10', 'iat', 'é', 'exp', '__proto__', 'x y'];
		const value = (depth: number): unknown => {
			const pick = next() % 7;
			if (pick === 0) return next();
			if (pick === 1) return String.fromCharCode(next() % 0x3000) + 'v';
			if (pick === 2) return null;
			if (pick === 3) return undefined;
			if (pick === 4 && depth < 3) return [value(depth + 1), value(depth + 1)];
			if (pick === 5 && depth < 3) return object(depth + 1);
			return next() % 2 === 0;
		};
		const object = (depth: number) => {
			const out: Record<string, unknown> = {};
			for (let i = next() % 5; i > 0; i--) Object.defineProperty(out, names[next() % names.length], { value: value(depth), enumerable: true, writable: true, configurable: true });
			return out;
		};
		for (let i = 0; i < 500; i++) {
			const payload = object(0);
			expect(claimsJson(payload, suffix, 1_800_000_000 + i, 1_800_003_600 + i)).toBe(spread(payload, 1_800_000_000 + i, 1_800_003_600 + i));
		}
	});
});
