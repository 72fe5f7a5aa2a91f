import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../support/app-server.js';
import { cookiesSet, startIdpAndApp } from '../support/handoff-env.js';

// SvelteKit normalises a trailing slash with a 308 before any hook runs (docs/SVELTEKIT-FACTS.md), so
// a handoff delivered to `/dashboard/?handoff_token=…` passes through one redirect the SDK does not
// write. What the SDK guarantees: the redirect keeps the parameters, the token is redeemed once on the
// normalised URL, and that answer drops it with no-store and no-referrer (docs/SECURITY.md X10).
let env: Awaited<ReturnType<typeof startIdpAndApp>>;
beforeAll(async () => {
	env = await startIdpAndApp();
});
afterAll(() => env?.stop());

describe('a handoff delivered to a URL with a trailing slash (X10)', () => {
	it("is redirected by SvelteKit first, then redeemed once on the normalised URL, which drops the token", async () => {
		const state = 'idp-state-trailing-0123456789';
		const token = await env.idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const query = `handoff_token=${encodeURIComponent(token)}&state=${state}`;

		const first = `${env.app.url}/dashboard/?${query}`;
		const normalise = await get(first);
		expect(normalise.status).toBe(308);
		// SvelteKit 2 answers an absolute path, SvelteKit 3 a relative one (`../dashboard?…`).
		const target = new URL(normalise.headers.get('location')!, first);
		expect(target.pathname + target.search).toBe(`/dashboard?${query}`);
		expect(cookiesSet(normalise)).toEqual([]);

		const redeemed = await get(target.href);
		expect(redeemed.status).toBe(303);
		expect(redeemed.headers.get('location')).toBe('/dashboard');
		expect(redeemed.headers.get('referrer-policy')).toBe('no-referrer');
		expect(redeemed.headers.get('cache-control')).toBe('no-store');
		expect(cookiesSet(redeemed).length).toBeGreaterThan(0);
	});
});
