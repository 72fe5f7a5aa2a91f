import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevIdp, type DevIdp, type StartDevIdpOptions } from '../../dev/idp.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../dev/clients.js';
import { createSealer } from '../../src/lib/cookies/seal.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';
import { freePort, startApp, TEST_SECRET, type RunningApp } from './app-server.js';
import { BrowserCookieJar, fetchWithJar, signInAtIdp } from './idp-login.js';

export { BrowserCookieJar, fetchWithJar };

/** The dev IdP, a production build of the demo wired to it, and (optionally) a back-channel relay. */
export interface OidcStack {
	idp: DevIdp;
	app: RunningApp;
	/** The client the app signs in as. */
	clientId: string;
	clientSecret: string | undefined;
	/** Back-channel logout POSTs the IdP sent through the relay, with the app's answer status. */
	backchannelDeliveries: { status: number }[];
	/**
	 * Makes the refresh_token grant fail (500 server_error, `status` set) or stall (`delayMs`) *before*
	 * oidc-provider redeems anything, which `misbehave.onTokenResponse` cannot: it runs after the grant
	 * was processed. `hits` counts the refresh requests it intercepted.
	 */
	tokenGate: { status?: number; delayMs?: number; hits: number };
	/** The app's environment (to start more instances of it). */
	env: Record<string, string>;
	/** Stops the app process and starts it again on the same port: in-memory state is gone. */
	restartApp(): Promise<void>;
	stop(): Promise<void>;
}

/** A confidential client whose back-channel logout goes through the test's relay and carries `sid`. */
export const BCL_CLIENT_ID = 'oidc-bcl';
export const BCL_CLIENT_SECRET = 'oidc-bcl-secret-oidc-bcl-secret-oidc-bcl-0';

/**
 * Starts the dev IdP and the demo's production build on loopback, each knowing the other's origin.
 *
 * With `backchannel: true` the app signs in as {@link BCL_CLIENT_ID}, whose `backchannel_logout_uri`
 * is a transparent relay in this process that forwards the IdP's POST unchanged (no `Origin`, as the
 * IdP sends it) and records the app's answer. The demo receives it because it hands SvelteKit's
 * CSRF check to `createAuthHandle({ checkOrigin: true })`, which exempts only the back-channel path.
 */
export async function startOidcStack(
	options: {
		env?: Record<string, string>;
		idp?: StartDevIdpOptions;
		backchannel?: boolean;
		publicClient?: boolean;
		/** Further clients registered at the IdP for the app's origin (which the test cannot know in advance). */
		clientsFor?: (appOrigin: string) => Record<string, unknown>[];
	} = {}
): Promise<OidcStack> {
	const port = await freePort();
	const appOrigin = `http://127.0.0.1:${port}`;
	const backchannelDeliveries: { status: number }[] = [];
	let relay: Server | undefined;
	let clientId = options.publicClient ? 'demo-public' : DEMO_CLIENT_ID;
	let clientSecret: string | undefined = options.publicClient ? undefined : DEMO_CLIENT_SECRET;
	const clients: Record<string, unknown>[] = [...(options.idp?.clients ?? []), ...(options.clientsFor?.(appOrigin) ?? [])];
	if (options.backchannel) {
		relay = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				fetch(`${appOrigin}${req.url}`, {
					method: req.method,
					// Forwarded as the IdP sent it: no Origin, as every server-to-server POST.
					headers: { 'content-type': req.headers['content-type'] ?? '' },
					body: Buffer.concat(chunks)
				}).then(
					async (answer) => {
						backchannelDeliveries.push({ status: answer.status });
						res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
						res.end(await answer.text());
					},
					() => {
						res.writeHead(502);
						res.end();
					}
				);
			});
		});
		await new Promise<void>((resolve) => relay!.listen(0, '127.0.0.1', resolve));
		const relayPort = (relay.address() as AddressInfo).port;
		clientId = BCL_CLIENT_ID;
		clientSecret = BCL_CLIENT_SECRET;
		clients.push({
			client_id: BCL_CLIENT_ID,
			client_secret: BCL_CLIENT_SECRET,
			token_endpoint_auth_method: 'client_secret_basic',
			redirect_uris: [`${appOrigin}/callback`],
			post_logout_redirect_uris: [`${appOrigin}/`],
			backchannel_logout_uri: `http://127.0.0.1:${relayPort}/auth/backchannel-logout`,
			backchannel_logout_session_required: true,
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code']
		});
	}
	const idp = await startDevIdp({ port: 0, ...options.idp, appOrigin, clients });
	const tokenGate: OidcStack['tokenGate'] = { hits: 0 };
	// The dev IdP composed its middleware at startup, so the gate sits in oidc-provider's own model
	// lookup: the refresh_token grant fails before anything is redeemed, as when the IdP's database is
	// down (oidc-provider answers 500 server_error), or answers only after `delayMs`.
	const RefreshToken = idp.provider.RefreshToken as { find: (...args: unknown[]) => Promise<unknown> };
	const find = RefreshToken.find.bind(RefreshToken);
	RefreshToken.find = async (...args: unknown[]) => {
		if (tokenGate.status !== undefined || tokenGate.delayMs !== undefined) {
			tokenGate.hits++;
			const fail = tokenGate.status !== undefined;
			if (tokenGate.delayMs !== undefined) await sleep(tokenGate.delayMs);
			if (fail) throw new Error('the IdP token store is down');
		}
		return find(...args);
	};
	const env: Record<string, string> = {
		SSO_ISSUER: idp.issuer,
		SSO_CLIENT_ID: clientId,
		...(clientSecret ? { SSO_CLIENT_SECRET: clientSecret } : { SSO_OIDC_PUBLIC: '1' }),
		...options.env
	};
	let app: RunningApp;
	try {
		app = await startApp(env, { port });
	} catch (error) {
		await idp.stop();
		relay?.close();
		throw error;
	}
	const stack: OidcStack = {
		idp,
		app,
		env,
		async restartApp() {
			await stack.app.stop();
			stack.app = await startApp(env, { port });
		},
		clientId,
		clientSecret,
		backchannelDeliveries,
		tokenGate,
		async stop() {
			await stack.app.stop();
			await idp.stop();
			if (relay) await new Promise((resolve) => relay!.close(resolve));
		}
	};
	return stack;
}

/** The app's OIDC paths in the demo (callbackPaths: ['/callback']). */
export const LOGIN = '/auth/login';
export const LOGOUT = '/auth/logout';
export const CALLBACK = '/callback';

/**
 * Starts a sign-in at the app and drives the IdP's login form; returns the callback URL the IdP sent
 * the browser to, without visiting it, and the login response.
 */
export async function authorize(stack: OidcStack, jar: BrowserCookieJar, options: { returnTo?: string; login?: string; otp?: string; loginUrl?: string } = {}) {
	const query = options.returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(options.returnTo)}`;
	const start = await fetchWithJar(jar, options.loginUrl ?? `${stack.app.url}${LOGIN}${query}`);
	const authorizationUrl = start.headers.get('location');
	if (start.status !== 303 || !authorizationUrl) throw new Error(`login answered ${start.status}`);
	const { callbackUrl } = await signInAtIdp(authorizationUrl, {
		login: options.login ?? 'alice',
		jar,
		redirectUri: `${stack.app.url}${CALLBACK}`,
		...(options.otp === undefined ? {} : { otp: options.otp })
	});
	return { start, authorizationUrl, callbackUrl };
}

/** A full sign-in: login, the IdP's form, the callback. Returns the callback's answer. */
export async function signIn(stack: OidcStack, jar: BrowserCookieJar, options: { returnTo?: string; login?: string; otp?: string; loginUrl?: string } = {}) {
	const { callbackUrl, authorizationUrl } = await authorize(stack, jar, options);
	const callback = await fetchWithJar(jar, callbackUrl);
	return { callback, callbackUrl, authorizationUrl };
}

/** GET /api/whoami with the jar. */
export async function whoami(stack: OidcStack, jar: BrowserCookieJar | string): Promise<{ status: number; body: any; response: Response }> {
	const url = `${stack.app.url}/api/whoami`;
	const response = typeof jar === 'string' ? await fetch(url, { headers: jar ? { cookie: jar } : {}, redirect: 'manual' }) : await fetchWithJar(jar, url);
	return { status: response.status, body: await response.json(), response };
}

/** The session cookie header (`sso=…`, or its chunks) the jar holds for the app. */
export function sessionCookieHeader(stack: OidcStack, jar: BrowserCookieJar): string {
	return jar
		.header(`${stack.app.url}/`)
		.split('; ')
		.filter((pair) => /^sso(?:\.\d+)?=/.test(pair))
		.join('; ');
}

const sessionSealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: () => Date.now() });

/** Opens the sealed session in a Cookie header (test secret), or null. */
export async function openSession(cookieHeader: string): Promise<SessionRecord | null> {
	const pairs = cookieHeader
		.split('; ')
		.filter((pair) => /^sso(?:\.\d+)?=/.test(pair))
		.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const);
	if (pairs.length === 0) return null;
	const whole = pairs.find(([name]) => name === 'sso');
	const value = whole ? whole[1] : pairs.sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1])).map(([, v]) => v).join('');
	const opened = await sessionSealer.open<{ s: SessionRecord }>(value);
	return opened?.payload.s ?? null;
}

/** RFC 7662 introspection at the dev IdP, as the given client. */
export async function introspect(stack: OidcStack, token: string): Promise<{ active: boolean; [claim: string]: unknown }> {
	const response = await fetch(`${stack.idp.issuer}/token/introspection`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${Buffer.from(`${stack.clientId}:${stack.clientSecret ?? ''}`).toString('base64')}`
		},
		body: new URLSearchParams({ token })
	});
	return (await response.json()) as { active: boolean };
}

/** The token endpoint calls the IdP has counted, by grant type. */
export function tokenCalls(stack: OidcStack, grant?: string): number {
	const grants = stack.idp.counters.tokenGrants;
	return grant === undefined ? Object.values(grants).reduce((a, b) => a + b, 0) : (grants[grant] ?? 0);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
