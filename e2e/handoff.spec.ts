import { AUTH_ERROR_CODES } from '../src/lib/errors.ts';
import { errorMessages } from '../src/routes/login/messages.ts';
import type { BrowserContext, Page } from '@playwright/test';
import { env, expect, hydrated, mintHandoff, screenshot, signInAtPortal, signInByHandoff, test } from './support.ts';

// Smart Handoff SSO (seed 001) in a real browser: the IdP portal's "Open App", the app-initiated
// "Continue with your IdP session", failures, and what a one-time token must never leave behind.

const CONTINUE = 'Continue with your IdP session';

/**
 * Records, for the rest of the test, every request the page makes (URL and Referer) and every URL
 * and referrer each document of the app ever saw: at load, and through the History API SvelteKit
 * uses, kept in the tab's sessionStorage of the app's origin.
 */
async function traceUrls(page: Page, context: BrowserContext) {
	await context.addInitScript(() => {
		const record = (kind: string, value: string) => {
			const seen = JSON.parse(sessionStorage.getItem('e2e:seen') ?? '[]') as string[][];
			seen.push([kind, value]);
			sessionStorage.setItem('e2e:seen', JSON.stringify(seen));
		};
		record('load', location.href);
		record('referrer', document.referrer);
		for (const method of ['pushState', 'replaceState'] as const) {
			const original = history[method];
			history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
				original.apply(this, args);
				record(method, location.href);
			};
		}
		addEventListener('popstate', () => record('popstate', location.href));
	});
	const requests: { url: string; referer: string | undefined }[] = [];
	page.on('request', (request) => requests.push({ url: request.url(), referer: request.headers()['referer'] }));
	return requests;
}

/**
 * After a handoff landed on `${app}${path}`: the token was in exactly one request (the one to the
 * app that its 303 cleaned up) and is in no address, no history entry, no referrer and no later
 * request. Ends on /session, loaded by a full navigation from `path`.
 */
async function expectNoTraceOfTheToken(
	page: Page,
	context: BrowserContext,
	requests: { url: string; referer: string | undefined }[],
	path: string
): Promise<void> {
	const carrying = requests.filter((r) => r.url.includes('handoff_token='));
	expect(carrying).toHaveLength(1);
	const token = new URL(carrying[0].url).searchParams.get('handoff_token')!;
	expect(token.length).toBeGreaterThan(20);

	// The address bar, and every URL and referrer the app's documents saw.
	expect(page.url()).toBe(`${env.app}${path}`);
	const seen = await page.evaluate(() => ({
		records: JSON.parse(sessionStorage.getItem('e2e:seen') ?? '[]') as string[][],
		href: location.href,
		navigation: performance.getEntriesByType('navigation')[0]?.name,
		referrer: document.referrer,
		length: history.length
	}));
	expect(seen.records.length).toBeGreaterThan(1);
	for (const [, value] of seen.records) expect(value).not.toContain(token);
	expect(JSON.stringify(seen)).not.toContain('handoff_token');

	// The browser's own history list (what Back and Forward open), entry by entry.
	const cdp = await context.newCDPSession(page);
	const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: { url: string }[] };
	await cdp.detach();
	expect(entries).toHaveLength(seen.length);
	for (const entry of entries) expect(entry.url).not.toContain(token);
	expect(entries.at(-1)?.url).toBe(`${env.app}${path}`);
	// Back leaves the landing page for whatever came before it (never the token URL); Forward returns clean.
	const before = entries.at(-2)?.url;
	if (before && before !== 'about:blank') {
		await page.goBack();
		expect(page.url()).toBe(before);
		await page.goForward();
		expect(page.url()).toBe(`${env.app}${path}`);
		await hydrated(page);
	}

	// The next page's referrer (a full page load), and every request since the handoff: no token.
	await page.evaluate(() => location.assign('/session'));
	await page.waitForURL(`${env.app}/session`);
	expect(await page.evaluate(() => document.referrer)).toBe(`${env.app}${path}`);
	for (const request of requests.filter((r) => r !== carrying[0])) {
		expect(request.url).not.toContain(token);
		expect(request.referer ?? '').not.toContain(token);
	}
}

test('Open App at the IdP portal lands signed in on /dashboard, and the token is in no URL, history entry or referrer', async ({
	page,
	context
}) => {
	const requests = await traceUrls(page, context);
	await signInAtPortal(page, 'grace', '/dashboard');
	await screenshot(page, 'idp-portal');
	await page.getByRole('button', { name: 'Open App' }).click();
	await page.waitForURL((url) => url.origin === env.app || url.pathname === '/portal/open-app');
	expect(await page.locator('body').innerText(), 'the portal refused Open App').not.toContain('cross-site request refused');
	await page.waitForURL(`${env.app}/dashboard`);
	await hydrated(page);
	await expect(page.getByTestId('user-name')).toHaveText('Grace');
	await expect(page.getByTestId('header-user')).toHaveText('Grace');
	await expectNoTraceOfTheToken(page, context, requests, '/dashboard');
});

test('a handoff link opened from another site lands signed in, and the token is in no URL, history entry or referrer', async ({
	page,
	context
}) => {
	// What "Open App" does, from the identity provider's origin: a top-level navigation to the app
	// with ?handoff_token=…&state=… (here minted directly, the portal's own path being the test above).
	const requests = await traceUrls(page, context);
	const { token, state } = await mintHandoff('grace');
	await page.goto(`${env.idp}/`);
	await page.evaluate((href) => location.assign(href), `${env.app}/dashboard?${new URLSearchParams({ handoff_token: token, state })}`);
	await page.waitForURL(`${env.app}/dashboard`);
	await hydrated(page);
	await expect(page.getByTestId('user-name')).toHaveText('Grace');
	await expect(page.getByTestId('header-user')).toHaveText('Grace');
	await expectNoTraceOfTheToken(page, context, requests, '/dashboard');
});

test('a screenshot of the dashboard after a handoff', async ({ page }) => {
	await signInByHandoff(page, 'ada', '/dashboard', { cart: 'c-42' });
	await expect(page.getByTestId('carry-over')).toContainText('c-42');
	await screenshot(page, 'dashboard');
});

test('a handoff that fails lands on /login, which says what went wrong', async ({ page }) => {
	await page.goto(`${env.app}/dashboard?handoff_token=forged-token&state=forged-state&tab=1`);
	await expect(page).toHaveURL(`${env.app}/login?error=invalid_token`);
	await hydrated(page);
	await expect(page.getByRole('alert')).toContainText('This sign-in link is invalid or has already been used. Please try again.');
	await expect(page.getByRole('alert')).toContainText('invalid_token');
	await screenshot(page, 'login-error');
});

test('/login has its own message for every error code, and the seed’s messages as written', async ({ page }) => {
	// Server-rendered: the message is in the HTML, with or without JavaScript.
	for (const code of AUTH_ERROR_CODES) {
		const html = await (await page.request.get(`${env.app}/login?error=${code}`)).text();
		expect(html, code).toContain(errorMessages[code]);
	}
	const seed: Record<string, string> = {
		handoff_failed: 'Authentication failed. Please try again.',
		token_expired: 'Session expired. Please sign in again.',
		invalid_state: 'Security check failed. Please try again.',
		'%3Cb%3Eunknown%3C%2Fb%3E': 'An error occurred during authentication.'
	};
	for (const [code, message] of Object.entries(seed)) {
		await page.goto(`${env.app}/login?error=${code}`);
		await expect(page.getByRole('alert')).toContainText(message);
	}
});

test('a protected page sends a signed-out visitor to sign in, and back there afterwards', async ({ page }) => {
	await signInAtPortal(page, 'hopper');
	await page.goto(`${env.app}/dashboard?tab=keys`);
	await expect(page).toHaveURL(`${env.app}/login?redirectTo=%2Fdashboard%3Ftab%3Dkeys`);
	await hydrated(page);
	await page.getByRole('link', { name: CONTINUE }).click();
	await page.waitForURL(`${env.app}/dashboard?tab=keys`);
	await expect(page.getByTestId('user-name')).toHaveText('Hopper');
});

test('without an IdP session, continuing with it says so on /login', async ({ page }) => {
	await page.goto(`${env.app}/login`);
	await hydrated(page);
	await page.getByRole('link', { name: CONTINUE }).click();
	// Stops on /login?error=… or, should the answer not be handled, on the callback path it came to.
	await page.waitForURL((url) => url.origin === env.app && (url.pathname === '/login' ? url.searchParams.has('error') : url.pathname.endsWith('/callback')));
	expect(page.url()).toBe(`${env.app}/login?error=login_required`);
	await expect(page.getByRole('alert')).toContainText('You are not signed in at your identity provider.');
});

test('two tabs continuing with the IdP session at once both end signed in', async ({ page, context }) => {
	await signInAtPortal(page, 'lin');
	const other = await context.newPage();
	await Promise.all([page.goto(`${env.app}/login?redirectTo=%2Fdashboard`), other.goto(`${env.app}/login?redirectTo=%2Fsession`)]);
	await Promise.all([hydrated(page), hydrated(other)]);

	// The worst order of "at once", made deterministic: tab A's handoff has completed (its 303 set the
	// session), and tab B's arrives before A's first page after it has loaded — here A's page load is
	// cut off and made again afterwards. (Through CDP: page.route() does not see a request that
	// follows a redirect.)
	const cdp = await context.newCDPSession(page);
	const cutOff = new Promise<void>((resolve) =>
		cdp.once('Fetch.requestPaused', ({ requestId }: { requestId: string }) => {
			void cdp.send('Fetch.failRequest', { requestId, errorReason: 'Aborted' }).then(() => resolve());
		})
	);
	await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${env.app}/dashboard`, requestStage: 'Request' }] });
	await page.getByRole('link', { name: CONTINUE }).click();
	await cutOff;
	await cdp.send('Fetch.disable');
	await cdp.detach();
	await other.getByRole('link', { name: CONTINUE }).click();
	await other.waitForURL((url) => url.origin === env.app && (url.pathname === '/session' || url.pathname.endsWith('/callback')));
	await page.goto(`${env.app}/dashboard`);

	expect(other.url()).toBe(`${env.app}/session`);
	await hydrated(other);
	await expect(other.getByTestId('session-status')).toHaveText('Signed in');
	await expect(page.getByTestId('user-name')).toHaveText('Lin');
	// One cookie jar: both tabs stay signed in as the same user.
	await Promise.all([page.reload(), other.reload()]);
	await expect(page.getByTestId('user-name')).toHaveText('Lin');
	await expect(other.getByTestId('header-user')).toHaveText('Lin');
});

test('the carry-over state of a handoff reaches the session page and stays through navigation', async ({ page }) => {
	await signInByHandoff(page, 'ada', '/session', { cart: 'c-42', from: 'e2e' });
	await expect(page).toHaveURL(`${env.app}/session`);
	await expect(page.getByTestId('carry-over-state')).toContainText('"cart": "c-42"');
	await expect(page.getByTestId('session-source')).toHaveText('Smart Handoff');
	const nav = page.getByRole('navigation', { name: 'Main' });
	await nav.getByRole('link', { name: 'Dashboard' }).click();
	await page.waitForURL(`${env.app}/dashboard`);
	await nav.getByRole('link', { name: 'Session' }).click();
	await page.waitForURL(`${env.app}/session`);
	await expect(page.getByTestId('carry-over-state')).toContainText('"cart": "c-42"');
	await screenshot(page, 'session');
});
