import { describe, expect, it } from 'vitest';
import { createAuthHandle } from '../../../../src/lib/server/auth-handle.js';
import { createHandoffHandler } from '../../../../src/lib/server/handoff-handler.js';
import { fakeEvent, TEST_SECRET } from '../../../support/fake-event.js';
import { createFakeAs } from '../../../support/oidc-fake-as.js';
import { startVerifyServer } from '../../../support/verify-server.js';

/** A fetch that behaves like workerd's: called with any `this` but undefined or the global, it throws. */
function strict(inner: typeof fetch): { fetch: typeof fetch; calls: () => number } {
	let calls = 0;
	const fn = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
		if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
		calls++;
		return inner(input, init);
	};
	return { fetch: fn as typeof fetch, calls: () => calls };
}

describe("the app's fetch is called unbound (X12)", () => {
	it('redeems a handoff with a fetch that refuses a foreign this', async () => {
		const server = await startVerifyServer();
		try {
			const f = strict((input, init) => fetch(input, init));
			const handle = createHandoffHandler({ issuer: server.issuer, clientId: 'strict-fetch', secret: TEST_SECRET, allowInsecureRequests: true, fetch: f.fetch });
			const event = fakeEvent('http://127.0.0.1:5173/page?handoff_token=tok-0123456789abcdef&state=idp-state-12345678');
			const response = await handle({ event, resolve: async () => new Response('page') });
			expect(response.headers.get('location')).toBe('/page');
			expect(f.calls()).toBe(1);
		} finally {
			await server.close();
		}
	});

	it('signs in through discovery and the token endpoint with a fetch that refuses a foreign this', async () => {
		const as = await createFakeAs({ issuer: 'https://strict-fetch.example', clientId: 'app' });
		const f = strict(as.fetch);
		const handle = createAuthHandle({ issuer: as.issuer, clientId: 'app', clientSecret: 'app-secret', origin: 'https://app.example', secret: TEST_SECRET, fetch: f.fetch });
		const login = await handle({ event: fakeEvent('https://app.example/auth/login'), resolve: async () => new Response('page') });
		expect(login.status).toBe(303);
		expect(new URL(login.headers.get('location')!).pathname).toBe('/authorize');
		expect(f.calls()).toBeGreaterThan(0);
	});
});
