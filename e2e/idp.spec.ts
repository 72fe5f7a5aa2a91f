import type { Page } from '@playwright/test';
import {
	env,
	expect,
	hydrated,
	requestsOutsideLoopback,
	screenshot,
	signInAtPortal,
	submitIdpLogin,
	test,
	unlabelledFields
} from './support.ts';

// The dev identity provider's own pages — sign-in, consent, sign-out, errors — as a newcomer meets
// them: labelled, usable from the keyboard and on a phone, nothing loaded from outside 127.0.0.1,
// and a sign-out that is one click in the app.

/** The page fits a 390 px wide screen: nothing scrolls sideways. */
async function fitsNarrowScreen(page: Page, name: string): Promise<void> {
	const size = page.viewportSize();
	await page.setViewportSize({ width: 390, height: 844 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await screenshot(page, name);
	if (size) await page.setViewportSize(size);
}

/** What every page of the dev IdP is: its own look, labelled fields, no debug block. */
async function expectIdpPage(page: Page): Promise<void> {
	expect(new URL(page.url()).origin).toBe(env.idp);
	await expect(page.getByText('Dev identity provider', { exact: true })).toBeVisible();
	expect(await unlabelledFields(page)).toEqual([]);
	await expect(page.getByText(/DEBUG/)).toHaveCount(0);
	// The demo's design tokens, not oidc-provider's Roboto.
	expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/^system-ui/);
	await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
}

test('the sign-in page is labelled, works from the keyboard, fits a phone and loads nothing from elsewhere', async ({ page }) => {
	const outside = requestsOutsideLoopback(page);
	await page.goto(`${env.app}/login?redirectTo=%2Fdashboard`);
	await hydrated(page);
	await page.getByRole('main').getByRole('link', { name: 'Sign in', exact: true }).click();
	await page.waitForURL(/\/interaction\//);
	await expectIdpPage(page);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
	await expect(page.getByText('to continue to sveltekit-sso demo')).toBeVisible();
	await expect(page.getByLabel('User name')).toHaveAttribute('autocomplete', 'username');
	await expect(page.getByLabel('Password')).toHaveAttribute('type', 'password');
	await screenshot(page, 'idp-sign-in');
	await fitsNarrowScreen(page, 'idp-sign-in-mobile');

	// From the keyboard alone: the user name has the focus, Tab reaches the password, Enter signs in.
	await expect(page.getByLabel('User name')).toBeFocused();
	await page.keyboard.type('quinn');
	await page.keyboard.press('Tab');
	await expect(page.getByLabel('Password')).toBeFocused();
	await page.keyboard.type('anything');
	await page.keyboard.press('Enter');
	await page.waitForURL(`${env.app}/dashboard`);
	await expect(page.getByTestId('user-name')).toHaveText('Quinn');
	expect(outside()).toEqual([]);
});

test('Cancel on the sign-in page goes back to the app, which says so', async ({ page }) => {
	await page.goto(`${env.app}/auth/login?returnTo=%2Fdashboard`);
	await page.waitForURL(/\/interaction\//);
	await page.getByRole('link', { name: 'Cancel and go back to sveltekit-sso demo' }).click();
	await page.waitForURL(`${env.app}/login?error=access_denied`);
	await expect(page.getByRole('alert')).toContainText('Sign-in was cancelled or not allowed.');
});

test('an app that asks for consent gets a consent page: what it asks for, then Allow', async ({ page }) => {
	const outside = requestsOutsideLoopback(page);
	// The demo's own sign-in, with prompt=consent added to its authorization request.
	const start = await page.request.get(`${env.app}/auth/login?returnTo=%2Fsession`, { maxRedirects: 0 });
	expect(start.status()).toBe(303);
	const authorize = new URL(start.headers()['location']);
	authorize.searchParams.set('prompt', 'consent');
	await page.goto(authorize.href);
	await submitIdpLogin(page, 'rosa');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Allow access?');
	await expectIdpPage(page);
	const asks = page.getByRole('list');
	for (const text of ['Know who you are: your user id', 'See your name', 'See your e-mail address', 'Keep you signed in while you are away']) {
		await expect(asks).toContainText(text);
	}
	await expect(page.getByText('Signed in as Rosa')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Allow' })).toBeFocused();
	await screenshot(page, 'idp-consent');
	await fitsNarrowScreen(page, 'idp-consent-mobile');
	await page.getByRole('button', { name: 'Allow' }).click();
	await page.waitForURL(`${env.app}/session`);
	await expect(page.getByTestId('session-status')).toHaveText('Signed in');
	expect(outside()).toEqual([]);
});

test('sign-out is one click in the app, back to “You are signed out” with no state in the URL', async ({ page, context }) => {
	const outside = requestsOutsideLoopback(page);
	await page.goto(`${env.app}/auth/login?returnTo=%2Fdashboard`);
	await submitIdpLogin(page, 'sam');
	await page.waitForURL(`${env.app}/dashboard`);
	await hydrated(page);

	const documents: string[] = [];
	page.on('framenavigated', (frame) => {
		if (frame === page.mainFrame()) documents.push(frame.url());
	});
	await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
	// No other click: the identity provider's page submits itself, the app drops the state it echoes.
	await page.waitForURL(`${env.app}/`);
	expect(documents.some((url) => url.startsWith(`${env.idp}/session/end?`))).toBe(true);
	expect(page.url()).toBe(`${env.app}/`);
	await hydrated(page);
	const notice = page.getByTestId('signed-out-notice');
	await expect(notice).toHaveText('You are signed out. Your session here has ended, and so has your session at the identity provider.');
	await expect(notice).toHaveAttribute('role', 'status');
	await expect(page.getByTestId('home-status')).toContainText('Signed out');
	await screenshot(page, 'home-signed-out');
	await fitsNarrowScreen(page, 'home-signed-out-mobile');

	// The state is in no history entry, and the self-submitting page did not stay in history either.
	const cdp = await context.newCDPSession(page);
	const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: { url: string }[] };
	await cdp.detach();
	for (const entry of entries) {
		expect(entry.url).not.toContain('state=');
		expect(entry.url).not.toContain('/session/end');
	}
	// Said once: a reload shows the signed-out page without the message.
	await page.reload();
	await expect(page.getByTestId('home-status')).toContainText('Signed out');
	await expect(notice).toHaveCount(0);
	// Signed out at the identity provider too.
	await page.goto(`${env.idp}/`);
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	expect(outside()).toEqual([]);
});

test('after Open App at the portal, sign-out in the app is one click as well', async ({ page }) => {
	await signInAtPortal(page, 'tara', '/dashboard');
	await page.getByRole('button', { name: 'Open App' }).click();
	await page.waitForURL(`${env.app}/dashboard`);
	await hydrated(page);
	await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(`${env.app}/`);
	await expect(page.getByTestId('signed-out-notice')).toContainText('You are signed out.');
});

test('the portal asks before it signs out, then says it is done', async ({ page }) => {
	const outside = requestsOutsideLoopback(page);
	await signInAtPortal(page, 'uma', '/dashboard');
	await expectIdpPage(page);
	await fitsNarrowScreen(page, 'idp-portal-mobile');
	await page.getByRole('link', { name: 'Sign out' }).click();
	await page.waitForURL(`${env.idp}/session/end`);
	await expectIdpPage(page);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign out?');
	await expect(page.getByText('Signed in as Uma')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeFocused();
	await screenshot(page, 'idp-sign-out');
	await fitsNarrowScreen(page, 'idp-sign-out-mobile');
	await page.keyboard.press('Enter');
	await page.waitForURL(`${env.idp}/session/end/success`);
	await expectIdpPage(page);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are signed out');
	await screenshot(page, 'idp-signed-out');
	await page.getByRole('link', { name: 'Back to the portal' }).click();
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	expect(outside()).toEqual([]);
});

test('an error at the identity provider is one of its pages too', async ({ page }) => {
	await page.goto(`${env.idp}/interaction/expired-or-unknown`);
	await expectIdpPage(page);
	await expect(page.getByRole('alert')).toContainText('This sign-in has expired or was already completed.');
	await screenshot(page, 'idp-error');
});
