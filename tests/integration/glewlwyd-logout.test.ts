import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server.js';
import { until } from '../support/eventually.js';
import {
	browserSession,
	glewlwyd,
	introspect,
	launchBrowser,
	newContext,
	newUser,
	sessionCookie,
	signInWithBrowser,
	startGlewlwydApp,
	whoami,
	type GlewlwydApp
} from '../support/glewlwyd-stack.js';
import { redisConnection } from '../support/services.js';

// Sign-out against Glewlwyd in Chromium: RP-initiated logout (id_token_hint, post_logout_redirect_uri,
// state) with RFC 7009 revocation of the refresh token, and back-channel logout reaching one of two
// app instances that share a Redis family store.
const info = glewlwyd();
const SECRET = 'logoutsecretlogoutsecret0123';

/** Glewlwyd's end-session page: the person confirms with its "Logout" button. */
async function confirmEndSession(page: Page): Promise<void> {
	await page.waitForURL((url) => url.origin === info!.url && url.searchParams.get('prompt') === 'end_session');
	// Its icon font's glyph is part of the accessible name: matched by text content instead.
	await page.locator('button', { hasText: /^\s*Logout\s*$/ }).click();
}

describe.skipIf(!info)('sign-out against Glewlwyd', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(() => browser?.close());

	it('RP-initiated logout revokes the refresh token at Glewlwyd (RFC 7009), ends Glewlwyd\'s session and comes back signed out', async () => {
		const started = await startGlewlwydApp(info!, { clientId: 'logoutrp', secret: SECRET });
		try {
			const client = { clientId: started.clientId, secret: SECRET };
			const username = await newUser(info!, 'rp');
			const context = await newContext(browser);
			const page = await context.newPage();
			await signInWithBrowser(page, started.app, username);
			const cookie = await sessionCookie(context, started.app);
			const record = (await browserSession(context, started.app))!;
			const refreshToken = record.tokens!.refreshToken!;
			expect(await introspect(info!, client, refreshToken)).toMatchObject({ active: true });

			await page.getByRole('button', { name: 'Sign out' }).first().click();
			// On Glewlwyd's end-session page: the app has already revoked the refresh token and ended its session.
			await page.waitForURL((url) => url.origin === info!.url);
			const endSession = new URL(page.url());
			expect(endSession.searchParams.get('prompt')).toBe('end_session');
			expect(endSession.searchParams.get('client_id')).toBe(started.clientId);
			expect(endSession.searchParams.get('sid')).toBe(record.idp!.sid);
			expect(new URL(endSession.searchParams.get('callback_url')!).searchParams.get('state')).toEqual(expect.any(String));
			expect(await introspect(info!, client, refreshToken)).toMatchObject({ active: false });
			expect((await whoami(started.app, cookie)).body).toMatchObject({ isAuthenticated: false, hasAccessToken: false });

			await confirmEndSession(page);
			await page.waitForURL((url) => url.origin === started.app.url && url.pathname === '/');
			expect(await page.locator('main').innerText()).toContain('You are signed out.');
			expect(new URL(page.url()).search).toBe('');
			expect(await sessionCookie(context, started.app)).toBe('');
			// Glewlwyd's session is over too: signing in again asks for the password.
			await page.goto(`${started.app.url}/login`);
			await page.getByRole('link', { name: 'Sign in', exact: true }).click();
			await page.locator('#password').waitFor();
			await context.close();
		} finally {
			await started.app.stop();
		}
	});

	describe('back-channel logout (Glewlwyd signs its logout token `typ: JWT`)', () => {
		const prefix = `sso-test:glewlwyd-bcl:${randomUUID()}:`;
		const CHECK_MS = 500;
		const redis = new Redis({ ...redisConnection(), lazyConnect: true, maxRetriesPerRequest: 1 });
		let instanceA: GlewlwydApp;
		let instanceB: RunningApp;
		// Glewlwyd POSTs its logout tokens to this relay, which records them and forwards them unchanged
		// (no Origin, as Glewlwyd sends them) to instance A.
		let relay: Server;
		const deliveries: { token: string; status: number }[] = [];
		beforeAll(async () => {
			await redis.connect();
			relay = createServer((req, res) => {
				const chunks: Buffer[] = [];
				req.on('data', (chunk: Buffer) => chunks.push(chunk));
				req.on('end', () => {
					const body = Buffer.concat(chunks);
					fetch(`${instanceA.app.url}${req.url}`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).then(
						async (answer) => {
							deliveries.push({ token: new URLSearchParams(body.toString()).get('logout_token') ?? '', status: answer.status });
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
			await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
			const relayPort = (relay.address() as AddressInfo).port;
			instanceA = await startGlewlwydApp(info!, {
				clientId: 'logoutbackchannel',
				secret: SECRET,
				backchannelLogoutUri: () => `http://127.0.0.1:${relayPort}/auth/backchannel-logout`,
				env: { SSO_FAMILY_STORE: 'redis', SSO_REDIS_PREFIX: prefix, SSO_SESSION_CHECK_INTERVAL_MS: String(CHECK_MS) }
			});
			instanceB = await startApp({ ...instanceA.env, ORIGIN: instanceA.app.url });
		});
		afterAll(async () => {
			await instanceB?.stop();
			await instanceA?.app.stop();
			if (relay) await new Promise((resolve) => relay.close(resolve));
			const keys = await redis.keys(`${prefix}*`);
			if (keys.length > 0) await redis.del(...keys);
			redis.disconnect();
		});

		it('ending the session at Glewlwyd ends it on the instance its logout token reached at once, and on the other within the check interval', async () => {
			const username = await newUser(info!, 'bcl');
			const context = await newContext(browser);
			const page = await context.newPage();
			await signInWithBrowser(page, instanceA.app, username);
			const cookie = await sessionCookie(context, instanceA.app);
			const record = (await browserSession(context, instanceA.app))!;
			expect(record.idp!.sid).toEqual(expect.any(String));
			expect((await whoami(instanceA.app, cookie)).body.isAuthenticated).toBe(true);
			expect((await whoami(instanceB, cookie)).body.isAuthenticated).toBe(true);

			// The session ends at Glewlwyd through its end_session endpoint (as another application of the
			// same Glewlwyd session would send the person there); Glewlwyd POSTs a logout token to instance A.
			const endSession = new URL(`${info!.issuer}/end_session`);
			endSession.searchParams.set('id_token_hint', record.tokens!.idToken!);
			await page.goto(endSession.href);
			await confirmEndSession(page);

			await until(() => deliveries.length > 0, 'Glewlwyd to POST a logout token', { timeoutMs: 10_000 });
			expect(deliveries).toHaveLength(1);
			const [delivery] = deliveries;
			// Glewlwyd types it `JWT`, not `logout+jwt`: accepted (200), as Back-Channel Logout 1.0 allows.
			const header = JSON.parse(Buffer.from(delivery!.token.split('.')[0]!, 'base64url').toString()) as { typ?: string };
			const claims = JSON.parse(Buffer.from(delivery!.token.split('.')[1]!, 'base64url').toString()) as { sid?: string; iss?: string };
			expect(header.typ).toBe('JWT');
			expect(claims).toMatchObject({ iss: info!.issuer, sid: record.idp!.sid });
			expect(delivery!.status).toBe(200);
			const onA = await whoami(instanceA.app, cookie);
			expect(onA.body.isAuthenticated).toBe(false);
			expect(onA.response.headers.getSetCookie().some((c) => c.startsWith('sso=;') && /Max-Age=0/.test(c))).toBe(true);
			const startedWaiting = Date.now();
			await until(async () => !(await whoami(instanceB, cookie)).body.isAuthenticated, 'instance B to end the session', { timeoutMs: 10_000 });
			expect(Date.now() - startedWaiting).toBeLessThan(CHECK_MS + 2_000);
			await context.close();
		});
	});
});
