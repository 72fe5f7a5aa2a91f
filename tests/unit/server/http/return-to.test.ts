import { describe, expect, it } from 'vitest';
import { cleanSelfUrl, safeReturnTo } from '../../../../src/lib/server/http/return-to.js';

const ORIGIN = 'https://app.example.com';
// A fallback other than '/' so a test can tell "fell back" from "kept '/'".
const FALLBACK = '/home';
// Where the browser is when it follows the Location: a nested page, so relative resolution matters.
const PAGE = 'https://app.example.com/deep/page';

function landsOn(location: string): string {
	return new URL(location, PAGE).origin;
}

// Row C13: each bypass paired with the same value minus the trick, which must be kept. Without the
// pair, a function that refused everything would pass.
const BYPASSES: Array<{ attack: string; control: string; kept: string; why: string }> = [
	{ attack: '//evil.com', control: '/evil.com', kept: '/evil.com', why: 'protocol-relative' },
	{ attack: '/\\evil.com', control: '/evil.com', kept: '/evil.com', why: 'browsers read \\ as /' },
	{ attack: '/\t/evil.com', control: '/t/evil.com', kept: '/t/evil.com', why: 'browsers strip tabs' },
	{ attack: '/\n/evil.com', control: '/n/evil.com', kept: '/n/evil.com', why: 'browsers strip newlines' },
	{ attack: '\\/evil.com', control: '/evil.com', kept: '/evil.com', why: 'leading backslash' },
	{ attack: '///evil.com', control: '/evil.com', kept: '/evil.com', why: 'three slashes' },
	{ attack: ' //evil.com', control: '/evil.com', kept: '/evil.com', why: 'URL parsing strips leading spaces' },
	{ attack: 'https://evil.com', control: 'https://app.example.com', kept: '/', why: 'absolute, other origin' },
	{ attack: 'https://app@evil.com', control: 'https://app@app.example.com', kept: '/', why: 'userinfo before the host' },
	{
		attack: 'https://app.example.com.evil.com',
		control: 'https://app.example.com/.evil.com',
		kept: '/.evil.com',
		why: 'origin as a host prefix'
	},
	{ attack: 'javascript:alert(1)', control: '/alert(1)', kept: '/alert(1)', why: 'script scheme' },
	{ attack: 'http://[::1', control: '/[::1', kept: '/[::1', why: 'malformed URL (C11)' },
	{ attack: '%2F%2Fevil.com', control: 'x%2F%2Fevil.com', kept: '/x%2F%2Fevil.com', why: 'encoded slashes, decoded once downstream' },
	{ attack: 'https://app.example.com//evil.com', control: 'https://app.example.com/evil.com', kept: '/evil.com', why: 'same origin, protocol-relative path' },
	{ attack: '/%5Cevil.com', control: '/%5Fevil.com', kept: '/%5Fevil.com', why: 'encoded backslash after the slash' },
	{ attack: '/%09/evil.com', control: '/%41/evil.com', kept: '/%41/evil.com', why: 'encoded tab between the slashes' },
	{ attack: '\u00a0//evil.com', control: '/evil.com', kept: '/evil.com', why: 'leading non-breaking space' },
	{ attack: '/\u0000/evil.com', control: '/0/evil.com', kept: '/0/evil.com', why: 'NUL' }
];

describe('safeReturnTo', () => {
	for (const { attack, control, kept, why } of BYPASSES) {
		it(`refuses ${JSON.stringify(attack)} (${why}) and keeps ${JSON.stringify(control)}`, () => {
			expect(safeReturnTo(attack, ORIGIN, FALLBACK)).toBe(FALLBACK);
			const controlResult = safeReturnTo(control, ORIGIN, FALLBACK);
			expect(controlResult).toBe(kept);
			expect(landsOn(controlResult)).toBe(ORIGIN);
		});
	}

	it('shows why the naive startsWith check is not enough: those values resolve to evil.com', () => {
		const naive = (v: string) => v.startsWith('/') && !v.startsWith('//');
		for (const value of ['/\\evil.com', '/\t/evil.com', '/\n/evil.com']) {
			expect(naive(value)).toBe(true);
			expect(new URL(value, PAGE).origin).toBe('https://evil.com');
			expect(safeReturnTo(value, ORIGIN)).toBe('/');
		}
	});

	it('keeps relative paths with query and hash, and reduces same-origin absolute URLs to path+search+hash', () => {
		expect(safeReturnTo('/account?tab=keys&x=1#top', ORIGIN)).toBe('/account?tab=keys&x=1#top');
		expect(safeReturnTo('dashboard?a=b', ORIGIN)).toBe('/dashboard?a=b');
		expect(safeReturnTo('https://app.example.com/a/b?c=d#e', ORIGIN)).toBe('/a/b?c=d#e');
		expect(safeReturnTo('HTTPS://APP.EXAMPLE.COM:443/x', ORIGIN)).toBe('/x');
		expect(safeReturnTo('/files/a%2Fb?next=%2F%2Fnot-a-redirect', ORIGIN)).toBe('/files/a%2Fb?next=%2F%2Fnot-a-redirect');
		expect(safeReturnTo('/', ORIGIN, FALLBACK)).toBe('/');
	});

	it('resolves a relative value against the origin root, not the origin argument\'s path', () => {
		expect(safeReturnTo('settings', 'https://app.example.com/auth/login')).toBe('/settings');
		expect(safeReturnTo('../../x', ORIGIN)).toBe('/x');
	});

	it('falls back for null, undefined, empty and non-string values', () => {
		expect(safeReturnTo(null, ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo(undefined, ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo('', ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo(42 as unknown as string, ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo(undefined, ORIGIN)).toBe('/');
	});

	it('falls back for a value over 2048 characters and keeps one of exactly 2048', () => {
		const exact = '/' + 'a'.repeat(2047);
		expect(safeReturnTo(exact, ORIGIN, FALLBACK)).toBe(exact);
		expect(safeReturnTo(exact + 'a', ORIGIN, FALLBACK)).toBe(FALLBACK);
	});

	it('falls back for a backslash anywhere and for malformed percent-encoding in the path', () => {
		expect(safeReturnTo('/search?q=a\\b', ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo('/search?q=ab', ORIGIN, FALLBACK)).toBe('/search?q=ab');
		expect(safeReturnTo('/%E0%A4%A', ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo('/%E0%A4%A4', ORIGIN, FALLBACK)).toBe('/%E0%A4%A4');
	});

	it('treats an http origin as different from its https twin', () => {
		expect(safeReturnTo('http://app.example.com/x', ORIGIN, FALLBACK)).toBe(FALLBACK);
		expect(safeReturnTo('http://127.0.0.1:5173/x', 'http://127.0.0.1:5173', FALLBACK)).toBe('/x');
		expect(safeReturnTo('http://127.0.0.1:5174/x', 'http://127.0.0.1:5173', FALLBACK)).toBe(FALLBACK);
	});

	it('throws a misuse TypeError for a bad origin or fallback, never for a bad value', () => {
		expect(() => safeReturnTo('/x', 'app.example.com')).toThrow(/safeReturnTo: origin/);
		expect(() => safeReturnTo('/x', 'javascript:alert(1)')).toThrow(TypeError);
		expect(() => safeReturnTo('/x', ORIGIN, '//evil.com')).toThrow(/safeReturnTo: fallback/);
		expect(() => safeReturnTo('/x', ORIGIN, 'home')).toThrow(TypeError);
		try {
			safeReturnTo('/x', ORIGIN, 'https://evil.com');
			expect.unreachable();
		} catch (error) {
			expect((error as { code: string }).code).toBe('ERR_INVALID_ARGUMENT');
		}
		expect(safeReturnTo('/x', new URL(ORIGIN), '/ok')).toBe('/x');
	});

	it('never returns a location that leaves the origin, for any of a mixed set of inputs', () => {
		const inputs = [
			...BYPASSES.flatMap(({ attack, control }) => [attack, control]),
			'/%2F/evil.com',
			'/.//evil.com',
			'/./\\evil.com',
			'//%5Cevil.com',
			'/\r/evil.com',
			'\t//evil.com',
			'https:evil.com',
			'https:/evil.com',
			'//app.example.com@evil.com',
			'data:text/html,<script>alert(1)</script>'
		];
		for (const input of inputs) {
			const location = safeReturnTo(input, ORIGIN);
			expect(location.startsWith('/'), input).toBe(true);
			expect(/^\/[/\\]/.test(location), input).toBe(false);
			expect(landsOn(location), input).toBe(ORIGIN);
		}
	});
});

describe('cleanSelfUrl', () => {
	it('drops the named parameters and keeps every other one byte for byte and in order', () => {
		const url = new URL('https://app.example.com/docs/a?x=1&handoff_token=T&q=a%20b+c&state=S&empty=&flag&x=2#frag');
		expect(cleanSelfUrl(url, ['handoff_token', 'state'])).toBe('/docs/a?x=1&q=a%20b+c&empty=&flag&x=2#frag');
		expect(cleanSelfUrl(url, [])).toBe('/docs/a?x=1&handoff_token=T&q=a%20b+c&state=S&empty=&flag&x=2#frag');
	});

	it('drops every occurrence and every encoding of a named parameter, as url.searchParams reads them', () => {
		const url = new URL('https://app.example.com/?handoff%5Ftoken=A&handoff_token=B&state=S&keep=1');
		expect(url.searchParams.getAll('handoff_token')).toEqual(['A', 'B']);
		expect(cleanSelfUrl(url, ['handoff_token', 'state'])).toBe('/?keep=1');
	});

	it('leaves no bare ? when nothing remains', () => {
		expect(cleanSelfUrl(new URL('https://app.example.com/p?code=c&state=s'), ['code', 'state'])).toBe('/p');
		expect(cleanSelfUrl(new URL('https://app.example.com/p?&&'), [])).toBe('/p');
	});

	it('collapses leading slashes so a request for //evil.example/ never becomes a protocol-relative location', () => {
		const url = new URL('https://app.example.com//evil.example/path?state=s&keep=1');
		expect(url.pathname).toBe('//evil.example/path');
		const location = cleanSelfUrl(url, ['state']);
		expect(location).toBe('/evil.example/path?keep=1');
		expect(landsOn(location)).toBe(ORIGIN);
		// control: an ordinary path is returned unchanged
		expect(cleanSelfUrl(new URL('https://app.example.com/evil.example/path?state=s&keep=1'), ['state'])).toBe(
			'/evil.example/path?keep=1'
		);
		expect(cleanSelfUrl(new URL('https://app.example.com////x'), [])).toBe('/x');
	});
});
