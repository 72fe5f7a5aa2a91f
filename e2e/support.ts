import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The servers global-setup.ts started. */
export const env = {
	get app(): string {
		return required('E2E_APP_URL');
	},
	get idp(): string {
		return required('E2E_IDP_URL');
	},
	get control(): string {
		return required('E2E_CONTROL_URL');
	},
	get authSecret(): string {
		return required('E2E_AUTH_SECRET');
	}
};

function required(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set: run through e2e/playwright.config.ts (its global setup starts the servers)`);
	return value;
}

/**
 * Every test runs in a fresh browser context that cannot leave loopback: oidc-provider's
 * interaction pages link a web font, and nothing here may wait on the network.
 */
export const test = base.extend<{ loopbackOnly: void }>({
	loopbackOnly: [
		async ({ context }, use) => {
			await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
			await use();
		},
		{ auto: true }
	]
});
export { expect };

/** SvelteKit drops clicks that come before hydration; the demo's root layout marks it. */
export async function hydrated(page: Page): Promise<void> {
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/** Fills oidc-provider's devInteractions login form (any login, any password). */
export async function submitIdpLogin(page: Page, login: string): Promise<void> {
	await page.waitForURL(/\/interaction\//);
	await page.locator('input[name="login"]').fill(login);
	await page.locator('input[name="password"]').fill('any-password');
	await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Signs in at the identity provider's portal; `target` is the app path "Open App" will open. */
export async function signInAtPortal(page: Page, login: string, target = '/dashboard'): Promise<void> {
	await page.goto(`${env.idp}/?target=${encodeURIComponent(target)}`);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await submitIdpLogin(page, login);
	await expect(page.getByTestId('user-name')).toHaveText(login[0].toUpperCase() + login.slice(1));
}

/** A handoff token for `sub`, as the IdP mints them, optionally with carry-over state. */
export async function mintHandoff(sub: string, carryOverState?: Record<string, unknown>): Promise<{ token: string; state: string }> {
	const state = `e2e-${crypto.randomUUID()}`;
	const response = await fetch(`${env.control}/mint`, {
		method: 'POST',
		body: JSON.stringify({ sub, state, ...(carryOverState ? { carryOverState } : {}) })
	});
	if (!response.ok) throw new Error(`mint failed: ${response.status} ${await response.text()}`);
	const { token } = (await response.json()) as { token: string };
	return { token, state };
}

/** Signs the context in through a real handoff (verified by the app against the IdP). */
export async function signInByHandoff(page: Page, sub: string, path = '/dashboard', carryOverState?: Record<string, unknown>): Promise<void> {
	const { token, state } = await mintHandoff(sub, carryOverState);
	await page.goto(`${env.app}${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams({ handoff_token: token, state })}`);
	await hydrated(page);
}

/** The session cookie as the browser holds it. */
export async function sessionCookie(context: BrowserContext) {
	return (await context.cookies(env.app)).find((cookie) => cookie.name === 'sso');
}

const screenshots = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

/** Saves a full-page screenshot to test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
	mkdirSync(screenshots, { recursive: true });
	await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true, animations: 'disabled' });
}

/**
 * After the sign-out POST the app answers 303 either home or, for a session the identity provider
 * knows, to its end-session page, which asks for confirmation (without JavaScript, after one more
 * "Continue") and then returns to the app.
 */
export async function finishSignOut(page: Page): Promise<void> {
	const home = (url: URL) => url.origin === env.app && url.pathname === '/';
	await page.waitForURL((url) => home(url) || url.origin === env.idp);
	for (let step = 0; step < 3 && new URL(page.url()).origin === env.idp; step++) {
		await page.getByRole('button', { name: /^(Yes, sign me out|Continue)$/ }).click();
		// RP-Initiated Logout returns to post_logout_redirect_uri with the `state` it was given.
		await page.waitForURL((url) => home(url) || url.origin === env.idp);
	}
	await page.waitForURL(home);
}
