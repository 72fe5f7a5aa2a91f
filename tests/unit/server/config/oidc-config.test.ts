import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthHandle, type AuthHandleOptions } from '../../../../src/lib/server/auth-handle.js';
import { createFakeAs, fakeEvent } from '../../../support/oidc-fake-as.js';
import { TEST_SECRET } from '../../../support/fake-event.js';

// The package reads "production" from import.meta.env.DEV / NODE_ENV; this file runs as production.
const mode = vi.hoisted(() => ({ development: false }));
vi.mock('../../../../src/lib/environment.js', async (original) => ({
	...(await original<typeof import('../../../../src/lib/environment.js')>()),
	isDevelopment: () => mode.development
}));
afterEach(() => {
	mode.development = false;
	vi.unstubAllEnvs();
});
// Warnings are once per process: collect them all.
const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

const SECRET = TEST_SECRET;
const base: AuthHandleOptions = { issuer: 'https://idp.example', clientId: 'app', origin: 'https://app.example', secret: SECRET };

function fails(options: Partial<AuthHandleOptions> & Record<string, unknown>, message: RegExp) {
	let error: unknown;
	try {
		createAuthHandle({ ...base, ...options } as AuthHandleOptions);
	} catch (e) {
		error = e;
	}
	expect(error).toBeInstanceOf(TypeError);
	expect((error as { code?: string }).code).toBe('ERR_INVALID_OPTION');
	expect((error as Error).message).toMatch(message);
}

describe('createAuthHandle options, validated at construction (production)', () => {
	it('dpop must be a boolean, and dpop_jkt cannot be set through authorizationParams', () => {
		fails({ dpop: 'yes' as unknown as boolean }, /options\.dpop must be/);
		fails({ authorizationParams: { dpop_jkt: 'x' } }, /authorizationParams\.dpop_jkt is set by the SDK/);
		expect(() => createAuthHandle({ ...base, clientId: 'app-dpop', dpop: true })).not.toThrow();
	});

	it('requires origin in production, and never falls back to the request host', () => {
		vi.stubEnv('ORIGIN', '');
		fails({ origin: undefined }, /options\.origin is required in production/);
		// adapter-node's ORIGIN is the same value and is accepted as the fallback.
		vi.stubEnv('ORIGIN', 'https://app.example');
		expect(() => createAuthHandle({ ...base, origin: undefined })).not.toThrow();
		// In development the redirect URI may follow the request (with a warning).
		vi.stubEnv('ORIGIN', '');
		mode.development = true;
		expect(() => createAuthHandle({ ...base, origin: undefined })).not.toThrow();
	});

	it('names the option in every error', () => {
		fails({ issuer: '' }, /options\.issuer is required/);
		fails({ issuer: 'http://idp.example' }, /options\.issuer must use https/);
		fails({ issuer: 'http://idp.example', allowInsecureRequests: true }, /options\.allowInsecureRequests is for a local development issuer only/);
		fails({ clientId: '' }, /options\.clientId is required/);
		fails({ clientSecret: '' }, /options\.clientSecret must be a non-empty string/);
		fails({ origin: 'https://app.example/path' }, /options\.origin must be an origin only/);
		fails({ scope: 'profile email' }, /options\.scope must be space-separated scopes including 'openid'/);
		fails({ callbackPaths: [] }, /options\.callbackPaths must be a non-empty list/);
		fails({ callbackPaths: ['callback'] }, /options\.callbackPaths\[0\] must be a path/);
		fails({ loginPath: '//evil' }, /options\.loginPath must be a path/);
		fails({ logoutPath: '/auth/login' }, /must all differ/);
		fails({ postLoginRedirect: 'https://evil.example' }, /options\.postLoginRedirect must be a same-origin path/);
		fails({ errorRedirect: '//evil.example' }, /options\.errorRedirect must be a same-origin path/);
		fails({ authorizationParams: { redirect_uri: 'https://evil.example' } }, /options\.authorizationParams\.redirect_uri is set by the SDK/);
		fails({ authorizationParams: { ui_locales: 1 as unknown as string } }, /options\.authorizationParams\.ui_locales must be a string/);
		fails({ prompt: 'login<script>' }, /options\.prompt must be prompt values/);
		fails({ maxAge: -1 }, /options\.maxAge must be a non-negative integer/);
		fails({ familyStore: {} as never }, /options\.familyStore must be a RefreshTokenFamilyStore/);
		fails({ refreshLeewayMs: -1 }, /options\.refreshLeewayMs must be a non-negative number/);
		fails({ refreshLeaseMs: 1_000, timeoutMs: 5_000 }, /options\.refreshLeaseMs \(1000\) must be at least twice options\.timeoutMs/);
		fails({ sessionCheckIntervalMs: Number.NaN }, /options\.sessionCheckIntervalMs/);
		fails({ fetch: 'nope' as never }, /options\.fetch must be a function/);
		fails({ fetchUserInfo: 'yes' as never }, /options\.fetchUserInfo must be a boolean/);
		fails({ secret: 'short' }, /options\.secret must be at least 32 bytes/);
	});

	it('allows a plain-http loopback issuer only with allowInsecureRequests, and warns', () => {
		fails({ issuer: 'http://127.0.0.1:4000' }, /options\.issuer must use https/);
		expect(() => createAuthHandle({ ...base, issuer: 'http://127.0.0.1:4000', allowInsecureRequests: true })).not.toThrow();
		expect(warn.mock.calls.some(([m]) => /allowInsecureRequests is on: talking to http:\/\/\S+ over plain http\. Development only/.test(String(m)))).toBe(true);
	});

	it('with dpop, a sign-in sends a key thumbprint as dpop_jkt; a server that lists DPoP algorithms without ES256 is refused', async () => {
		const login = async (metadata: Record<string, unknown>, clientId: string) => {
			const as = await createFakeAs({ metadata, clientId });
			const handle = createAuthHandle({ ...base, clientId, issuer: as.issuer, fetch: as.fetch, clientSecret: 's'.repeat(32), dpop: true });
			const { event } = fakeEvent('https://app.example/auth/login');
			const response = await handle({ event, resolve: async () => new Response('page') });
			return new URL(response.headers.get('location')!, 'https://app.example');
		};
		const sent = await login({ dpop_signing_alg_values_supported: ['ES256', 'EdDSA'] }, 'app-dpop-es256');
		expect(sent.searchParams.get('dpop_jkt')).toMatch(/^[\w-]{43}$/);
		const refused = await login({ dpop_signing_alg_values_supported: ['EdDSA'] }, 'app-dpop-eddsa');
		expect(refused.pathname + refused.search).toBe('/login?error=invalid_response');
	});

	it('makes no network call at construction: discovery waits for the first sign-in', async () => {
		const as = await createFakeAs();
		createAuthHandle({ ...base, issuer: as.issuer, fetch: as.fetch });
		expect(as.calls.discovery).toBe(0);
	});
});
