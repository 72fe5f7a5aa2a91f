import { describe, expect, it } from 'vitest';
import { CookieJar, kitCookies } from '../../support/kit-cookies.js';

describe('kit cookie harness', () => {
	it('serializes what was set and feeds it back through a jar', () => {
		const first = kitCookies('https://app.example/x', 'a=1');
		first.cookies.set('b', '2', { path: '/' });
		expect(first.cookies.get('b')).toBe('2');
		const jar = new CookieJar();
		jar.apply(first.setCookies());
		expect(jar.header()).toBe('b=2');
	});
});
