import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	browserSession,
	glewlwyd,
	launchBrowser,
	newContext,
	newUser,
	sessionCookie,
	signInWithBrowser,
	startGlewlwydApp,
	whoami,
	type GlewlwydApp
} from '../support/glewlwyd-stack.js';

// Sign-in against Glewlwyd 2.7.5 in Chromium, as a person does it: the demo's "Sign in", Glewlwyd's
// login and grant pages, back on the dashboard. Code + PKCE + state + nonce + RFC 9207 `iss`, RS256 ID
// tokens, with a confidential and with a public client, and the userinfo endpoint merged in.
const info = glewlwyd();

describe.skipIf(!info)('sign-in against Glewlwyd (an independent OpenID provider)', () => {
	let browser: Browser;
	const apps: GlewlwydApp[] = [];
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		for (const { app } of apps) await app.stop();
	});

	for (const kind of ['confidential', 'public'] as const) {
		it(`signs in with a ${kind} client: RFC 9207 iss, an RS256 ID token, userinfo merged; Glewlwyd's tokens stay in the sealed session`, async () => {
			const started = await startGlewlwydApp(info!, {
				clientId: `signin${kind}`,
				...(kind === 'confidential' ? { secret: 'signinsecretsigninsecret0123' } : {}),
				env: { SSO_FETCH_USERINFO: '1' }
			});
			apps.push(started);
			const username = await newUser(info!, kind);
			const context = await newContext(browser);
			const page = await context.newPage();
			const callbacks: URL[] = [];
			page.on('request', (request) => {
				const url = new URL(request.url());
				if (url.origin === started.app.url && url.pathname === '/callback') callbacks.push(url);
			});
			await signInWithBrowser(page, started.app, username);
			// Glewlwyd's authorization response: code, state and the RFC 9207 `iss`, which the SDK compared.
			expect(callbacks).toHaveLength(1);
			expect(callbacks[0]!.searchParams.get('iss')).toBe(info!.issuer);
			expect(callbacks[0]!.searchParams.get('code')).toEqual(expect.any(String));
			expect(callbacks[0]!.searchParams.get('state')).toEqual(expect.any(String));
			expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain("Dashboard");
			expect(await page.locator('main').innerText()).toContain(`Welcome, User ${username}!`);

			const record = await browserSession(context, started.app);
			expect(record).toMatchObject({ source: 'oidc', user: { name: `User ${username}`, email: `${username}@example.test` } });
			expect(record!.idp!.iss).toBe(info!.issuer);
			expect(record!.tokens!.refreshToken).toEqual(expect.any(String));
			expect(JSON.parse(Buffer.from(record!.tokens!.idToken!.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
			// Tokens stay on the server side of the cookie seal: none in the page.
			expect(await page.content()).not.toContain(record!.tokens!.accessToken);

			// Glewlwyd's userinfo answers the session's access token for the same subject the session names.
			const userinfo = await fetch(`${info!.issuer}/userinfo`, { headers: { authorization: `Bearer ${record!.tokens!.accessToken}` } });
			expect(userinfo.status).toBe(200);
			expect(await userinfo.json()).toMatchObject({ sub: record!.user.id, email: `${username}@example.test` });

			const { body } = await whoami(started.app, await sessionCookie(context, started.app));
			expect(body).toMatchObject({ isAuthenticated: true, hasAccessToken: true, user: { id: record!.user.id } });
			await context.close();
		});
	}
});
