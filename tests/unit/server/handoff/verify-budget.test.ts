import { describe, expect, it } from 'vitest';
import { createVerifyBudget } from '../../../../src/lib/server/handoff/verify-budget.js';

describe('createVerifyBudget (X5)', () => {
	it('allows a burst, then refills at the rate up to the burst, per key', () => {
		const budget = createVerifyBudget({ ratePerSecond: 10, burst: 3 });
		const took = (key: string, now: number, n: number) => Array.from({ length: n }, () => budget.take(key, now));
		expect(took('a', 0, 4)).toEqual([true, true, true, false]);
		expect(took('b', 0, 1)).toEqual([true]);
		expect(took('a', 99, 1)).toEqual([false]);
		expect(took('a', 100, 2)).toEqual([true, false]);
		// a long pause refills to the burst, never beyond it
		expect(took('a', 60_000, 4)).toEqual([true, true, true, false]);
	});

	it('refills nothing while the clock goes back', () => {
		const budget = createVerifyBudget({ ratePerSecond: 10, burst: 1 });
		expect(budget.take('a', 1_000)).toBe(true);
		expect(budget.take('a', 0)).toBe(false);
		expect(budget.take('a', 1_050)).toBe(false);
		expect(budget.take('a', 1_100)).toBe(true);
	});
});
