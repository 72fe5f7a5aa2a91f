// What the Glewlwyd test files share: the provider the global set-up started (glewlwyd-setup.ts),
// the demo's production build signed in to it as a client registered for the test, and Chromium
// doing what a person does on Glewlwyd's own login, grant and end-session pages.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { freePort, startApp, type RunningApp } from './app-server.js';
import { addClient, addUser, authorizeAtGlewlwyd, USER_PASSWORD, type GlewlwydInfo } from './glewlwyd.js';
import { BrowserCookieJar, fetchWithJar } from './idp-login.js';
import { openSession } from './oidc-stack.js';
import type { SessionRecord } from '../../src/lib/cookies/session-cookie.js';

/** The running Glewlwyd, or null (with the reason printed) where the glewlwyd package is missing outside CI. */
export function glewlwyd(): GlewlwydInfo | null {
	const provided = inject('glewlwyd');
	if ('missing' in provided) {
		console.warn(`[glewlwyd] skipped: ${provided.missing}`);
		return null;
	}
	return provided;
}

export interface GlewlwydApp {
	app: RunningApp;
	clientId: string;
	secret?: string;
	env: Record<string, string>;
}

/**
 * Registers a client at Glewlwyd for an app on a free port and starts the demo's production build
 * there, signed in as that client: confidential with `secret`, public (PKCE only) without.
 * `backchannelLogoutUri` gets the app's origin and names where Glewlwyd POSTs its logout tokens.
 */
export async function startGlewlwydApp(
	info: GlewlwydInfo,
	options: { clientId: string; secret?: string; env?: Record<string, string>; backchannelLogoutUri?: (appOrigin: string) => string; authMethods?: string[] }
): Promise<GlewlwydApp> {
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	await addClient(info, {
		clientId: options.clientId,
		secret: options.secret,
		redirectUri: `${origin}/callback`,
		postLogoutRedirectUri: `${origin}/`,
		...(options.authMethods ? { authMethods: options.authMethods } : {}),
		...(options.backchannelLogoutUri ? { backchannelLogoutUri: options.backchannelLogoutUri(origin) } : {})
	});
	const env: Record<string, string> = {
		SSO_ISSUER: info.issuer,
		SSO_CLIENT_ID: options.clientId,
		...(options.secret === undefined ? { SSO_OIDC_PUBLIC: '1' } : { SSO_CLIENT_SECRET: options.secret }),
		...options.env
	};
	const app = await startApp(env, { port });
	return { app, clientId: options.clientId, secret: options.secret, env };
}

/** A user of its own for a test (Glewlwyd keeps one session per browser, grants per user and client). */
export async function newUser(info: GlewlwydInfo, name: string): Promise<string> {
	const username = `${name}${Math.random().toString(36).slice(2, 8)}`;
	await addUser(info, username);
	return username;
}

/** Debian's Chromium, headless, kept on loopback. */
export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
	});
}

/** A fresh browser context that cannot leave loopback. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
	const context = await browser.newContext();
	context.setDefaultTimeout(15_000);
	await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
	return context;
}

/**
 * What a person does: opens the app's dashboard, is sent to the app's sign-in page, clicks "Sign in",
 * types the login and password on Glewlwyd's login page, grants the client its scopes (first time
 * only) and continues. Resolves on the dashboard.
 */
export async function signInWithBrowser(page: Page, app: RunningApp, username: string): Promise<void> {
	await page.goto(`${app.url}/dashboard`);
	await page.getByRole('link', { name: 'Sign in', exact: true }).click();
	// Glewlwyd's login page is a single-page app of its own: on a loaded CI machine its first paint can
	// take longer than the page's default timeout (a wait for the field, not a fixed delay).
	await page.locator('#username').fill(username, { timeout: 45_000 });
	await page.locator('#password').fill(USER_PASSWORD);
	await page.locator('#loginbut').click();
	const grant = page.getByRole('button', { name: 'Grant access' });
	const onDashboard = page.waitForURL(`${app.url}/dashboard`);
	const next = await Promise.race([onDashboard.then(() => 'app' as const), grant.waitFor().then(() => 'grant' as const)]);
	if (next === 'grant') {
		for (const box of await page.locator('input[id^="grant-"]').all()) await box.check();
		await grant.click();
		await page.locator('button[title="Continue to client application"]').click();
	}
	await onDashboard;
	await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/**
 * A sign-in without a browser, for tests about what follows it (refresh): the app's /auth/login,
 * Glewlwyd's login through its API ({@link authorizeAtGlewlwyd}), the app's callback. Returns the
 * session cookie header.
 */
export async function signInOverHttp(info: GlewlwydInfo, started: GlewlwydApp, username: string): Promise<string> {
	const jar = new BrowserCookieJar();
	const start = await fetchWithJar(jar, `${started.app.url}/auth/login?returnTo=/dashboard`);
	const authorizationUrl = start.headers.get('location');
	if (start.status !== 303 || !authorizationUrl) throw new Error(`login answered ${start.status}`);
	const callback = await authorizeAtGlewlwyd(info, { username, clientId: started.clientId, authorizationUrl });
	const done = await fetchWithJar(jar, callback);
	await done.body?.cancel();
	if (done.status !== 303 || done.headers.get('location') !== '/dashboard') throw new Error(`the callback answered ${done.status} ${done.headers.get('location') ?? ''}`);
	return jar
		.header(`${started.app.url}/`)
		.split('; ')
		.filter((pair) => /^sso(?:\.\d+)?=/.test(pair))
		.join('; ');
}

/** The app's session cookie header (`sso=…`, or its chunks) in the browser context. */
export async function sessionCookie(context: BrowserContext, app: RunningApp): Promise<string> {
	const cookies = await context.cookies(app.url);
	return cookies
		.filter((c) => /^sso(?:\.\d+)?$/.test(c.name))
		.map((c) => `${c.name}=${c.value}`)
		.join('; ');
}

/** The sealed session the browser holds for the app (opened with the test secret). */
export async function browserSession(context: BrowserContext, app: RunningApp): Promise<SessionRecord | null> {
	return openSession(await sessionCookie(context, app));
}

/** GET /api/whoami with a Cookie header. */
export async function whoami(app: RunningApp, cookie: string): Promise<{ body: { isAuthenticated: boolean; hasAccessToken: boolean; user: { id: string; name?: string; email?: string } | null }; response: Response }> {
	const response = await fetch(`${app.url}/api/whoami`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
	return { body: (await response.json()) as never, response };
}

/** RFC 7662 introspection at Glewlwyd, authenticated as a confidential client. */
export async function introspect(info: GlewlwydInfo, client: { clientId: string; secret: string }, token: string): Promise<{ active: boolean; [claim: string]: unknown }> {
	const response = await fetch(`${info.issuer}/introspect`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`
		},
		body: new URLSearchParams({ token, token_type_hint: 'refresh_token' })
	});
	if (!response.ok) throw new Error(`Glewlwyd's introspection answered ${response.status}`);
	return (await response.json()) as { active: boolean };
}
