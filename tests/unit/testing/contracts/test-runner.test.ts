import { describe, expect, it } from 'vitest';
import { runRefreshTokenFamilyStoreContract } from '../../../../src/lib/testing/index.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';

// sveltekit-sso/testing takes the test runner from its caller: any runner with describe/it/expect and
// the two hooks registers the suite; without one (and without globals) it says how to fix the call.
describe('the contract suites of sveltekit-sso/testing', () => {
	it('register their cases with the runner they are given', () => {
		const names: string[] = [];
		const runner = {
			describe: (name: string, body: () => void) => {
				names.push(`describe ${name}`);
				body();
			},
			it: (name: string) => void names.push(name),
			expect: () => ({}),
			beforeEach: () => {},
			afterEach: () => {}
		};
		runRefreshTokenFamilyStoreContract('memory', ({ clock }) => ({ store: new InMemoryRefreshTokenFamilyStore({ clock }) }), { runner });
		expect(names[0]).toBe('describe memory — RefreshTokenFamilyStore contract');
		expect(names.length).toBeGreaterThan(10);
	});

	it('say how to pass a runner when there is none', () => {
		expect(() => runRefreshTokenFamilyStoreContract('memory', () => ({ store: new InMemoryRefreshTokenFamilyStore() }))).toThrow(
			/no test runner\. Import it from 'sveltekit-sso\/testing\/vitest', or pass \{ runner/
		);
	});
});
