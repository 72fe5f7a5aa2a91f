// createAuthHandle driven in this process (SvelteKit's own cookies, fake request events) against the
// Glewlwyd of the run, for what a browser cannot show: the error code reported to onError, options the
// demo does not expose (maxAge, clientAuth). The sign-in at Glewlwyd goes through its own API, as
// its login page does: password, the client's grant, then the authorization request with that session.
import type { RequestEvent } from '@sveltejs/kit';
import { createSealer } from '../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';
import { createAuthHandle, type AuthHandleOptions } from '../../src/lib/server/auth-handle.js';
import type { AuthErrorInfo } from '../../src/lib/server/http/error-reporter.js';
import { TEST_SECRET } from './fake-event.js';
import { addClient, USER_PASSWORD, type GlewlwydInfo } from './glewlwyd.js';
import { CookieJar } from './kit-cookies.js';
import { fakeEvent } from './oidc-fake-as.js';

/** The app's origin: never listened on, the redirects are read, not followed. */
export const RP_ORIGIN = 'https://app.example';
const SCOPE = 'openid profile email offline_access';
const sealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: () => Date.now() });

/** Registers `clientId` at Glewlwyd for {@link RP_ORIGIN} and returns an app signed in as it. */
export async function glewlwydRelyingParty(
	info: GlewlwydInfo,
	client: { clientId: string; secret?: string; authMethods?: string[] },
	options: Partial<AuthHandleOptions> = {}
) {
	await addClient(info, {
		clientId: client.clientId,
		secret: client.secret,
		redirectUri: `${RP_ORIGIN}/auth/callback`,
		postLogoutRedirectUri: `${RP_ORIGIN}/`,
		...(client.authMethods ? { authMethods: client.authMethods } : {})
	});
	const errors: AuthErrorInfo[] = [];
	const handle = createAuthHandle({
		issuer: info.issuer,
		clientId: client.clientId,
		...(client.secret === undefined ? {} : { clientSecret: client.secret }),
		origin: RP_ORIGIN,
		secret: TEST_SECRET,
		allowInsecureRequests: true,
		onError: (error) => void errors.push(error),
		...options
	});
	const jar = new CookieJar();
	async function call(path: string, init: RequestInit = {}) {
		const { event, kit } = fakeEvent(`${RP_ORIGIN}${path}`, { ...init, cookie: jar.header() });
		const response = await handle({ event, resolve: async () => new Response('page') });
		jar.apply([...response.headers.getSetCookie(), ...kit.setCookies()]);
		return { response, location: response.headers.get('location'), auth: (event.locals as RequestEvent['locals']).auth };
	}
	/** Signs `username` in at Glewlwyd through its API and brings the code back to the app's callback. */
	async function signIn(username: string) {
		const start = await call('/auth/login?returnTo=/dashboard');
		if (!start.location) throw new Error(`login answered ${start.response.status}`);
		const session = await glewlwydSession(info, username);
		const grant = await fetch(`${info.url}/api/auth/grant/${encodeURIComponent(client.clientId)}`, {
			method: 'PUT',
			headers: { cookie: session, 'content-type': 'application/json' },
			body: JSON.stringify({ scope: SCOPE })
		});
		if (!grant.ok) throw new Error(`Glewlwyd's grant answered ${grant.status}`);
		// `g_continue`: what Glewlwyd's login page adds when the person clicks "Continue".
		const authorization = await fetch(`${start.location}&g_continue`, { headers: { cookie: session }, redirect: 'manual' });
		const back = authorization.headers.get('location');
		await authorization.body?.cancel();
		if (!back || !back.startsWith(`${RP_ORIGIN}/auth/callback?`)) throw new Error(`Glewlwyd's authorization answered ${authorization.status} ${back ?? ''}`);
		return call(back.slice(RP_ORIGIN.length));
	}
	/** The sealed session the jar holds, opened. */
	async function session(): Promise<SessionRecord | null> {
		const opened = await sealer.open<{ s: SessionRecord }>(jar.values.get('__Host-sso') ?? '');
		return opened?.payload.s ?? null;
	}
	return { call, signIn, session, errors, jar, logout: () => call('/auth/logout', { method: 'POST', headers: { origin: RP_ORIGIN } }) };
}

/** A Glewlwyd session cookie for `username`, signed in with its password. */
async function glewlwydSession(info: GlewlwydInfo, username: string): Promise<string> {
	const response = await fetch(`${info.url}/api/auth/`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ username, password: USER_PASSWORD })
	});
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('GLEWLWYD2_SESSION_ID='));
	await response.body?.cancel();
	if (!response.ok || !cookie) throw new Error(`Glewlwyd's sign-in answered ${response.status}`);
	return cookie.split(';')[0]!;
}

/** The codes reported to onError for one phase, in order. */
export const reportedCodes = (errors: AuthErrorInfo[], phase: AuthErrorInfo['phase']) => errors.filter((e) => e.phase === phase).map((e) => e.code);
