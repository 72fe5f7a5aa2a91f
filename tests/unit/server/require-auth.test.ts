import { isRedirect } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { requireAuth } from '../../../src/lib/server/require-auth.js';
import type { ServerAuthContext, SessionInfo } from '../../../src/lib/types.js';

function signedIn(session: Partial<SessionInfo> = {}): ServerAuthContext {
	return {
		isAuthenticated: true,
		user: { id: 'u1' },
		session: { id: 's1', createdAt: Date.now() - 60_000, expiresAt: Date.now() + 60_000, source: 'oidc', ...session },
		carryOverState: null,
		getAccessToken: async () => null
	} as ServerAuthContext;
}
const signedOut = { isAuthenticated: false, user: null, session: null, carryOverState: null, getAccessToken: async () => null } as unknown as ServerAuthContext;

async function redirectOf(auth: ServerAuthContext, options: Parameters<typeof requireAuth>[1], path = '/admin?tab=1'): Promise<URL | null> {
	try {
		await requireAuth({ locals: { auth } as App.Locals, url: new URL(`http://app.test${path}`) }, options);
		return null;
	} catch (error) {
		if (!isRedirect(error)) throw error;
		return new URL(error.location, 'http://app.test');
	}
}

describe('requireAuth step-up (acr, maxAge)', () => {
	it('lets a session with one of the levels through, and sends one without through a step-up sign-in', async () => {
		expect(await redirectOf(signedIn({ acr: 'urn:mfa' }), { acr: ['urn:mfa', 'urn:hwk'] })).toBeNull();
		const stepUp = await redirectOf(signedIn({ acr: 'urn:pwd' }), { acr: ['urn:mfa', 'urn:hwk'] });
		expect(stepUp?.pathname).toBe('/auth/login');
		expect(Object.fromEntries(stepUp!.searchParams)).toEqual({ redirectTo: '/admin?tab=1', acr_values: 'urn:mfa urn:hwk', prompt: 'login' });
		// A session with no acr at all is below any requested level.
		expect((await redirectOf(signedIn(), { acr: 'urn:mfa' }))?.searchParams.get('acr_values')).toBe('urn:mfa');
	});

	it('asks for max_age when the last authentication is older than maxAge (or unknown)', async () => {
		expect(await redirectOf(signedIn({ authenticatedAt: Date.now() - 30_000 }), { maxAge: 300 })).toBeNull();
		const old = await redirectOf(signedIn({ authenticatedAt: Date.now() - 600_000 }), { maxAge: 300 });
		expect(Object.fromEntries(old!.searchParams)).toEqual({ redirectTo: '/admin?tab=1', max_age: '300' });
		expect((await redirectOf(signedIn(), { maxAge: 300 }))?.searchParams.get('max_age')).toBe('300');
	});

	it('sends a signed-out user with a level to meet straight to the sign-in (stepUpPath), others to loginPath', async () => {
		const direct = await redirectOf(signedOut, { acr: 'urn:mfa', stepUpPath: '/sso/login' });
		expect(direct?.pathname).toBe('/sso/login');
		expect(direct?.searchParams.get('acr_values')).toBe('urn:mfa');
		expect(direct?.searchParams.has('prompt')).toBe(false);
		expect((await redirectOf(signedOut, {}))?.pathname).toBe('/login');
	});

	it('refuses malformed levels and ages as misuse', async () => {
		await expect(requireAuth({ locals: { auth: signedIn() } as App.Locals, url: new URL('http://app.test/') }, { acr: 'two words' })).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT',
			message: expect.stringMatching(/options\.acr/)
		});
		await expect(requireAuth({ locals: { auth: signedIn() } as App.Locals, url: new URL('http://app.test/') }, { maxAge: -1 })).rejects.toMatchObject({
			code: 'ERR_INVALID_ARGUMENT',
			message: expect.stringMatching(/options\.maxAge/)
		});
	});
});
