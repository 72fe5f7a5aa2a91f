import { env, expect, finishSignOut, hydrated, screenshot, sessionCookie, submitIdpLogin, test } from './support.ts';

// OpenID Connect sign-in through createAuthHandle's routes (GET /auth/login, the callback, POST
// /auth/logout) and the dev identity provider's login form.

test('OIDC sign-in → dashboard → sign-out', async ({ page, context }) => {
	await page.goto(`${env.app}/dashboard`);
	await expect(page).toHaveURL(`${env.app}/login?redirectTo=%2Fdashboard`);
	await hydrated(page);
	await page.getByRole('link', { name: 'Sign in', exact: true }).and(page.getByRole('main').getByRole('link')).click();
	await submitIdpLogin(page, 'margaret');
	await page.waitForURL(`${env.app}/dashboard`);
	await hydrated(page);
	await expect(page.getByTestId('user-name')).toHaveText('Margaret');
	await expect(page.getByTestId('session-source')).toHaveText('OpenID Connect');
	expect(await sessionCookie(context)).toMatchObject({ httpOnly: true });

	await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
	await finishSignOut(page);
	await hydrated(page);
	await expect(page.getByTestId('home-status')).toContainText('Signed out');
	expect(await sessionCookie(context)).toBeUndefined();
	await page.goto(`${env.app}/dashboard`);
	await expect(page).toHaveURL(`${env.app}/login?redirectTo=%2Fdashboard`);
});

test('two tabs signing in with OIDC at once both end signed in', async ({ page, context }) => {
	const other = await context.newPage();
	await Promise.all([page.goto(`${env.app}/login?redirectTo=%2Fdashboard`), other.goto(`${env.app}/login?redirectTo=%2Fsession`)]);
	await Promise.all([hydrated(page), hydrated(other)]);
	const signIn = (p: typeof page) => p.getByRole('main').getByRole('link', { name: 'Sign in', exact: true });
	// Both transactions start before either finishes: each tab's state must survive the other's.
	await Promise.all([signIn(page).click(), signIn(other).click()]);
	await Promise.all([page.waitForURL(/\/interaction\//), other.waitForURL(/\/interaction\//)]);
	await Promise.all([submitIdpLogin(page, 'ken'), submitIdpLogin(other, 'ken')]);
	await Promise.all([page.waitForURL(`${env.app}/dashboard`), other.waitForURL(`${env.app}/session`)]);
	await expect(page.getByTestId('user-name')).toHaveText('Ken');
	await expect(other.getByTestId('session-status')).toHaveText('Signed in');
	await expect(other.getByTestId('session-source')).toHaveText('OpenID Connect');
	await screenshot(other, 'session-oidc');
});
