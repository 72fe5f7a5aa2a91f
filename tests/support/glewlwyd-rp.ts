// createAuthHandle driven in this process (SvelteKit's own cookies, fake request events) against the
// Glewlwyd of the run, for what a browser cannot show: the error code reported to onError, options the
// demo does not expose (maxAge, clientAuth). The sign-in at Glewlwyd goes through its own API, as
// its login page does (authorizeAtGlewlwyd).
import type { RequestEvent } from '@sveltejs/kit';
import { createSealer } from '../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';
import { createAuthHandle, type AuthHandleOptions } from '../../src/lib/server/auth-handle.js';
import type { AuthErrorInfo } from '../../src/lib/server/http/error-reporter.js';
import { TEST_SECRET } from './fake-event.js';
import { addClient, authorizeAtGlewlwyd, type GlewlwydInfo } from './glewlwyd.js';
import { CookieJar } from './kit-cookies.js';
import { fakeEvent } from './oidc-fake-as.js';

/** The app's origin: never listened on, the redirects are read, not followed. */
export const RP_ORIGIN = 'https://app.example';
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
		const back = await authorizeAtGlewlwyd(info, { username, clientId: client.clientId, authorizationUrl: start.location });
		if (!back.startsWith(`${RP_ORIGIN}/auth/callback?`)) throw new Error(`Glewlwyd sent the browser to ${back}`);
		return call(back.slice(RP_ORIGIN.length));
	}
	/** The sealed session the jar holds, opened. */
	async function session(): Promise<SessionRecord | null> {
		const opened = await sealer.open<{ s: SessionRecord }>(jar.values.get('__Host-sso') ?? '');
		return opened?.payload.s ?? null;
	}
	return { call, signIn, session, errors, jar, logout: () => call('/auth/logout', { method: 'POST', headers: { origin: RP_ORIGIN } }) };
}

/** The codes reported to onError for one phase, in order. */
export const reportedCodes = (errors: AuthErrorInfo[], phase: AuthErrorInfo['phase']) => errors.filter((e) => e.phase === phase).map((e) => e.code);
