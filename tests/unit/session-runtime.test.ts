import { describe, expect, it } from 'vitest';
import { createSessionRuntime } from '../../src/lib/server/session-runtime.js';

describe('createSessionRuntime', () => {
	const runtime = createSessionRuntime('test', { secret: 'runtime-secret-runtime-secret-runtime-1', origin: 'https://app.example' });

	it('keeps the configured origin for a request path that looks protocol-relative', () => {
		const url = runtime.appUrl({ url: new URL('http://internal:3000//evil.example/x?a=1') });
		expect(url.origin).toBe('https://app.example');
		expect(url.pathname).toBe('//evil.example/x');
		expect(url.search).toBe('?a=1');
	});

	it('takes path and query from the request and the origin from the configuration, never from Host', () => {
		const url = runtime.appUrl({ url: new URL('http://evil.example/dashboard?tab=keys') });
		expect(url.href).toBe('https://app.example/dashboard?tab=keys');
	});

	it('names the option it refuses', () => {
		expect(() => createSessionRuntime('createAuthHandle', { secret: 'runtime-secret-runtime-secret-runtime-1', origin: 'https://app.example/path' })).toThrow(
			/createAuthHandle: options\.origin must be an origin only/
		);
	});
});
