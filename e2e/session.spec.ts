import { mintSessionCookie } from '../src/lib/testing/session-minter.ts';
import { env, expect, finishSignOut, hydrated, mintHandoff, screenshot, sessionCookie, signInByHandoff, test } from './support.ts';

// The session as the browser sees it: an HttpOnly cookie it cannot read, a context that follows
// the clock, and sign-out through auth.signOut().

test('the session cookie is HttpOnly: document.cookie never shows it', async ({ page, context }) => {
	await signInByHandoff(page, 'ada');
	await expect(page.getByTestId('user-name')).toHaveText('Ada');
	const cookie = await sessionCookie(context);
	expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
	expect(await page.evaluate(() => document.cookie)).not.toMatch(/(^|;\s*)sso/);
	expect(await page.content()).not.toContain(cookie!.value.slice(0, 32));
});

test('the page turns signed out when the session expires, without a reload', async ({ page, context }) => {
	const minted = await mintSessionCookie({
		secret: env.authSecret,
		user: { id: 'exp', name: 'Expiring User' },
		url: env.app,
		sessionOptions: { maxAge: 3 }
	});
	await context.addCookies(
		Object.entries(minted.cookies).map(([name, value]) => ({ name, value, url: env.app, httpOnly: true, sameSite: 'Lax' as const }))
	);
	await page.goto(`${env.app}/session`);
	await hydrated(page);
	await expect(page.getByTestId('session-status')).toHaveText('Signed in');
	await expect(page.getByTestId('header-user')).toHaveText('Expiring User');
	// The store-syntax component reads the same context.
	await expect(page.getByTestId('store-syntax-component')).toContainText('Welcome, Expiring User!');
	await expect(page.getByTestId('session-expires-in')).toHaveText(/^[0-3] s$/);
	await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

	await expect(page.getByTestId('session-status')).toHaveText('Session expired', { timeout: 6_000 });
	await expect(page.getByTestId('header-expired')).toBeVisible();
	await expect(page.getByTestId('store-syntax-component')).toContainText('Sign In');
	expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

	// The server agrees: the protected page sends the browser to sign in.
	await page.goto(`${env.app}/dashboard`);
	await expect(page).toHaveURL(`${env.app}/login?redirectTo=%2Fdashboard`);
});

test('auth.signOut() ends the session: the page reads signed out and the server agrees', async ({ page, context }) => {
	await signInByHandoff(page, 'ada');
	await expect(page.getByTestId('user-name')).toHaveText('Ada');
	await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
	await finishSignOut(page);
	await hydrated(page);
	await expect(page.getByTestId('signed-out-notice')).toContainText('You are signed out.');
	await expect(page.getByTestId('home-status')).toContainText('Signed out');
	expect(await sessionCookie(context)).toBeUndefined();
	const whoami = await page.request.get(`${env.app}/api/whoami`);
	expect(await whoami.json()).toMatchObject({ isAuthenticated: false, user: null });
});

test('screenshots of the home page, signed out, wide and narrow', async ({ page }) => {
	await page.goto(`${env.app}/`);
	await hydrated(page);
	await expect(page.getByTestId('home-status')).toContainText('Signed out');
	await screenshot(page, 'home');
	await page.setViewportSize({ width: 390, height: 844 });
	await screenshot(page, 'home-mobile');
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the server-rendered pages work, and the sign-out form signs out by itself', async ({ page, context }) => {
		const { token, state } = await mintHandoff('ada');
		await page.goto(`${env.app}/session?${new URLSearchParams({ handoff_token: token, state })}`);
		await expect(page).toHaveURL(`${env.app}/session`);
		await expect(page.getByTestId('session-status')).toHaveText('Signed in');
		await expect(page.getByTestId('session-expires-in')).toHaveText(/^23 h 59 min \d+ s$/);
		await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
		await finishSignOut(page, { javaScript: false });
		await expect(page.getByTestId('signed-out-notice')).toContainText('You are signed out.');
		await expect(page.getByTestId('home-status')).toContainText('Signed out');
		expect(await sessionCookie(context)).toBeUndefined();
	});
});
