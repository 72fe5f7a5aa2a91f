import { DEV_ACR_MFA, DEV_ACR_PASSWORD } from '../dev/clients.ts';
import { env, expect, hydrated, screenshot, test } from './support.ts';

// The demo switched to the dev IdP's FAPI 2.0 client (SSO_PROFILE=fapi): pushed authorization
// requests, private_key_jwt, DPoP-bound tokens, step-up per route, IPSIE session_expiry. A person clicks through it.

async function fapiControl(input: { sessionExpirySeconds?: number; downgradeAcr?: boolean }): Promise<void> {
	const response = await fetch(`${env.control}/fapi`, { method: 'POST', body: JSON.stringify(input) });
	if (!response.ok) throw new Error(`control answered ${response.status}`);
}

test.afterEach(() => fapiControl({}));

/** Fills the dev IdP's sign-in form, with a one-time code when given. */
async function signInAtIdp(page: import('@playwright/test').Page, login: string, otp?: string): Promise<void> {
	await page.waitForURL(/\/interaction\//);
	await page.getByLabel('User name').fill(login);
	await page.getByLabel('Password').fill('any-password');
	if (otp !== undefined) await page.getByLabel('One-time code').fill(otp);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signInFromDashboard(page: import('@playwright/test').Page, login: string): Promise<string[]> {
	const frontChannel: string[] = [];
	page.on('request', (request) => {
		const url = new URL(request.url());
		if (request.isNavigationRequest() && url.origin === env.idp && url.pathname === '/auth') frontChannel.push(url.search);
	});
	await page.goto(`${env.fapiApp}/dashboard`);
	await hydrated(page);
	await page.getByRole('main').getByRole('link', { name: 'Sign in', exact: true }).click();
	await signInAtIdp(page, login);
	await page.waitForURL(`${env.fapiApp}/dashboard`);
	await expect(page.getByTestId('user-name')).toHaveText(login[0].toUpperCase() + login.slice(1));
	return frontChannel;
}

test('FAPI sign-in: the browser carries only client_id and request_uri to the identity provider', async ({ page }) => {
	const frontChannel = await signInFromDashboard(page, 'grace');
	expect(frontChannel).toHaveLength(1);
	const params = new URLSearchParams(frontChannel[0]);
	expect([...params.keys()].sort()).toEqual(['client_id', 'request_uri']);
	expect(params.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
	await expect(page.getByTestId('session-acr')).toHaveText(DEV_ACR_PASSWORD);
	await expect(page.getByTestId('idp-session-expires')).toBeVisible();
	await screenshot(page, 'fapi-dashboard');
});

test('DPoP: the browser holds only sealed cookies, and the app calls the IdP with its DPoP-bound token', async ({ page }) => {
	await signInFromDashboard(page, 'hedy');
	const cookies = (await page.context().cookies(env.fapiApp)).filter((c) => /^sso(?:\.\d+)?$/.test(c.name));
	expect(cookies.length).toBeGreaterThan(0);
	// Compact JWEs (dir + A256GCM): the session's DPoP key and tokens inside decode for no one but the app.
	for (const cookie of cookies) expect(cookie.value.split('.')).toHaveLength(5);
	// The dev IdP accepts this client's tokens only with a proof by the session's key (dpop_bound_access_tokens).
	const answer = await page.request.get(`${env.fapiApp}/api/userinfo`);
	expect(await answer.json()).toMatchObject({ status: 200, body: { sub: 'hedy' } });
});

test('step-up: a password-only sign-in does not open the high-assurance page; the same with a one-time code does', async ({ page }) => {
	await signInFromDashboard(page, 'hopper');
	await page.getByRole('link', { name: 'Open the high-assurance page' }).click();
	// The identity provider asks again (prompt=login) and says this app wants the code.
	await page.waitForURL(/\/interaction\//);
	await expect(page.getByLabel('One-time code (this app asks for it)')).toBeVisible();
	await signInAtIdp(page, 'hopper');
	await page.waitForURL(`${env.fapiApp}/login?error=insufficient_user_authentication`);
	await expect(page.getByRole('alert')).toContainText('stronger or more recent sign-in');

	await page.goto(`${env.fapiApp}/dashboard/secure`);
	await signInAtIdp(page, 'hopper', '123456');
	await page.waitForURL(`${env.fapiApp}/dashboard/secure`);
	await expect(page.getByTestId('secure-acr')).toHaveText(DEV_ACR_MFA);
	await screenshot(page, 'fapi-step-up');
});

test('step-up: an identity provider that ignores the request leads to an error page, never to the page', async ({ page }) => {
	await signInFromDashboard(page, 'lovelace');
	await fapiControl({ downgradeAcr: true });
	await page.goto(`${env.fapiApp}/dashboard/secure`);
	await signInAtIdp(page, 'lovelace', '123456');
	await page.waitForURL(`${env.fapiApp}/login?error=insufficient_user_authentication`);
	await expect(page.getByTestId('secure-status')).toHaveCount(0);
});

test('the session ends with the identity provider’s session_expiry', async ({ page }) => {
	await fapiControl({ sessionExpirySeconds: 6 });
	await signInFromDashboard(page, 'katherine');
	await expect(page.getByTestId('idp-session-expires')).toBeVisible();
	// Past session_expiry the app no longer knows the session: the dashboard asks for a sign-in.
	await expect
		.poll(
			async () => {
				await page.goto(`${env.fapiApp}/dashboard`);
				return new URL(page.url()).pathname;
			},
			{ timeout: 12_000, intervals: [500] }
		)
		.toBe('/login');
});
