// The one place environment defaults are read (src/lib/environment.ts): AUTH_SECRET and ORIGIN for
// every entry point, and what a startup error says when neither the option nor the variable is there.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthHandle } from '../../src/lib/server/auth-handle.js';
import { createHandoffHandler } from '../../src/lib/server/handoff-handler.js';
import { mintSessionCookie } from '../../src/lib/testing/session-minter.js';
import { fakeEvent, TEST_SECRET } from '../support/fake-event.js';

const mode = vi.hoisted(() => ({ development: false }));
vi.mock('../../src/lib/environment.js', async (original) => ({
	...(await original<typeof import('../../src/lib/environment.js')>()),
	isDevelopment: () => mode.development
}));
afterEach(() => {
	mode.development = false;
	vi.unstubAllEnvs();
	vi.unstubAllGlobals();
});

const base = { issuer: 'https://idp.example', clientId: 'app' };

describe('AUTH_SECRET and ORIGIN, read the same way by every entry point', () => {
	it('every entry point takes AUTH_SECRET from process.env when secret is not given: a cookie minted with it opens in both hooks', async () => {
		vi.stubEnv('AUTH_SECRET', TEST_SECRET);
		vi.stubEnv('ORIGIN', 'https://app.example');
		const { cookieHeader } = await mintSessionCookie({ user: { id: 'ada' }, url: 'https://app.example' });
		for (const handle of [createAuthHandle({ ...base, clientId: 'env-auth' }), createHandoffHandler({ ...base, clientId: 'env-handoff' })]) {
			const event = fakeEvent('https://app.example/page', { cookie: cookieHeader });
			await handle({ event, resolve: async () => new Response('page') });
			expect((event.locals as { auth?: { user?: { id: string } } }).auth?.user?.id).toBe('ada');
		}
	});

	it('ORIGIN serves createHandoffHandler as it serves createAuthHandle (app-initiated handoffs on in production)', () => {
		vi.stubEnv('AUTH_SECRET', TEST_SECRET);
		vi.stubEnv('ORIGIN', '');
		expect(() => createAuthHandle({ ...base, clientId: 'no-origin' })).toThrow(/options\.origin is required in production .*or set ORIGIN/);
		vi.stubEnv('ORIGIN', 'https://app.example');
		expect(() => createAuthHandle({ ...base, clientId: 'with-origin' })).not.toThrow();
		expect(() => createHandoffHandler({ ...base, clientId: 'with-origin-handoff' })).not.toThrow();
	});

	it('without process.env, or with workerd\'s empty one (a Worker without nodejs_compat), the error says to pass the option, not to set the variable it cannot read', () => {
		vi.stubGlobal('process', undefined);
		let thrown: unknown;
		try {
			createAuthHandle({ ...base, clientId: 'no-process', origin: 'https://app.example' });
		} catch (error) {
			thrown = error;
		}
		vi.unstubAllGlobals();
		expect(thrown).toBeInstanceOf(TypeError);
		expect((thrown as Error).message).toMatch(/options\.secret is required in production \(this runtime has no process\.env, so AUTH_SECRET cannot be read: pass options\.secret explicitly/);
		expect((thrown as Error).message).not.toMatch(/or set AUTH_SECRET/);
		// workerd without nodejs_compat: a `process` with an empty `env` the Worker's variables never reach.
		vi.stubGlobal('process', { env: {} });
		thrown = undefined;
		try {
			createAuthHandle({ ...base, clientId: 'empty-process-env', origin: 'https://app.example' });
		} catch (error) {
			thrown = error;
		}
		vi.unstubAllGlobals();
		expect((thrown as Error).message).toMatch(/this runtime has no process\.env, so AUTH_SECRET cannot be read: pass options\.secret explicitly/);
		// With the secret passed, the origin's error (a workerd app that set ORIGIN as a binding) says the same.
		vi.stubGlobal('process', { env: {} });
		thrown = undefined;
		try {
			createAuthHandle({ ...base, clientId: 'empty-process-env-origin', secret: TEST_SECRET });
		} catch (error) {
			thrown = error;
		}
		vi.unstubAllGlobals();
		expect((thrown as Error).message).toMatch(/options\.origin is required in production .*this runtime has no process\.env, so ORIGIN cannot be read: pass options\.origin explicitly/);
		expect((thrown as Error).message).not.toMatch(/or set ORIGIN/);
		// Control: with process.env the same call names the variable.
		vi.stubEnv('AUTH_SECRET', '');
		expect(() => createAuthHandle({ ...base, clientId: 'with-process', origin: 'https://app.example' })).toThrow(/or set AUTH_SECRET/);
	});
});

describe('the ephemeral development secret', () => {
	it('says once, with the fix, when a cookie sealed with a real secret meets it', async () => {
		mode.development = true;
		vi.stubEnv('AUTH_SECRET', '');
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const handle = createAuthHandle({ ...base, clientId: 'ephemeral', origin: 'http://localhost:5173' });
		const { cookieHeader } = await mintSessionCookie({ secret: TEST_SECRET, user: { id: 'ada' }, url: 'http://localhost:5173' });
		for (let i = 0; i < 2; i++) {
			const event = fakeEvent('http://localhost:5173/page', { cookie: cookieHeader });
			await handle({ event, resolve: async () => new Response('page') });
			expect((event.locals as { auth?: { isAuthenticated: boolean } }).auth?.isAuthenticated).toBe(false);
		}
		const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('did not open'));
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(/secret: env\.AUTH_SECRET/);
		warn.mockRestore();
	});
});
