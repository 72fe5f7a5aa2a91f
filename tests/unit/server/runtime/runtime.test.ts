import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../../support/runtime.js';

describe('the runtime of one issuer and client', () => {
	const runtime = testRuntime({ origin: 'https://app.example' });

	it('keeps the configured origin for a request path that looks protocol-relative', () => {
		const url = runtime.appUrl({ url: new URL('http://internal:3000//evil.example/x?a=1') });
		expect(url.origin).toBe('https://app.example');
		expect(url.pathname).toBe('//evil.example/x');
		expect(url.search).toBe('?a=1');
	});

	it('takes path and query from the request and the origin from the configuration, never from Host', () => {
		const url = runtime.appUrl({ url: new URL('http://evil.example/dashboard?tab=keys') });
		expect(url.href).toBe('https://app.example/dashboard?tab=keys');
		expect(runtime.appOrigin({ url: new URL('http://evil.example/') })).toBe('https://app.example');
		expect(runtime.cookieUrl({ url: new URL('http://evil.example/') }).href).toBe('https://app.example/');
	});

	it('names the option it refuses', () => {
		expect(() => testRuntime({ origin: 'https://app.example/path' })).toThrow(/test: options\.origin must be an origin only/);
	});
});
