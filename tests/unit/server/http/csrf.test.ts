import { describe, expect, it } from 'vitest';
import { isCrossSiteForm, isSameOrigin } from '../../../../src/lib/server/http/csrf.js';

const APP = 'https://app.example';
const post = (headers: Record<string, string>, method = 'POST') => new Request(`${APP}/action`, { method, headers, body: method === 'GET' ? undefined : 'a=1' });

describe('the CSRF rule the hook takes over from SvelteKit (S11)', () => {
	it('refuses a cross-site form whatever the case of its content type, and one with no content type at all', () => {
		for (const type of ['application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED', 'Multipart/Form-Data; boundary=x', ' text/plain ; charset=utf-8']) {
			expect(isCrossSiteForm(post({ 'content-type': type, origin: 'https://evil.example' }), APP)).toBe(true);
		}
		const untyped = new Request(`${APP}/action`, { method: 'POST', body: new Uint8Array([1]), headers: { origin: 'https://evil.example' } });
		expect(untyped.headers.get('content-type')).toBeNull();
		expect(isCrossSiteForm(untyped, APP)).toBe(true);
	});

	it('lets the same form through from the app origin, and never looks at JSON or GET', () => {
		expect(isCrossSiteForm(post({ 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED', origin: APP }), APP)).toBe(false);
		expect(isCrossSiteForm(post({ 'content-type': 'application/json', origin: 'https://evil.example' }), APP)).toBe(false);
		expect(isCrossSiteForm(new Request(`${APP}/action`, { headers: { origin: 'https://evil.example' } }), APP)).toBe(false);
	});

	it('counts a form without Origin as cross-site', () => {
		expect(isCrossSiteForm(post({ 'content-type': 'application/x-www-form-urlencoded' }), APP)).toBe(true);
	});
});

describe("sign-out's same-origin check (S9)", () => {
	it('wants the app Origin and no cross-site Sec-Fetch-Site', () => {
		expect(isSameOrigin(post({ origin: APP }), APP)).toBe(true);
		expect(isSameOrigin(post({ origin: APP, 'sec-fetch-site': 'same-origin' }), APP)).toBe(true);
		expect(isSameOrigin(post({ origin: APP, 'sec-fetch-site': 'cross-site' }), APP)).toBe(false);
		expect(isSameOrigin(post({ origin: 'https://evil.example' }), APP)).toBe(false);
		expect(isSameOrigin(post({}), APP)).toBe(false);
	});
});
