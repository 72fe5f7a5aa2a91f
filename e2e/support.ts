import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The servers global-setup.ts started. */
export const env = {
	get app(): string {
		return required('E2E_APP_URL');
	},
	/** The same demo build switched to the FAPI 2.0 profile (SSO_PROFILE=fapi). */
	get fapiApp(): string {
		return required('E2E_FAPI_APP_URL');
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
 * Every test runs in a fresh browser context that cannot leave loopback: nothing here may wait on
 * the network (requestsOutsideLoopback() tells whether a page tried).
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

/** Fills the dev identity provider's sign-in form (any user name, any password), found by its labels. */
export async function submitIdpLogin(page: Page, login: string): Promise<void> {
	await page.waitForURL(/\/interaction\//);
	await page.getByLabel('User name').fill(login);
	await page.getByLabel('Password').fill('any-password');
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Records every http(s) request the page makes from now on; the answer lists those that went (or
 * tried to go: the fixture above aborts them) anywhere but 127.0.0.1.
 */
export function requestsOutsideLoopback(page: Page): () => string[] {
	const urls: string[] = [];
	page.on('request', (request) => urls.push(request.url()));
	return () => urls.filter((url) => /^https?:/.test(url) && new URL(url).hostname !== '127.0.0.1');
}

/** The visible form fields of the page without a label (a <label>, aria-label or aria-labelledby). */
export async function unlabelledFields(page: Page): Promise<string[]> {
	return page
		.locator('input:not([type="hidden"]), select, textarea')
		.evaluateAll((fields) =>
			fields
				.filter((field) => !((field as HTMLInputElement).labels?.length || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby')))
				.map((field) => field.outerHTML)
		);
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
 * After "Sign out" in the app: its 303 leads to the identity provider's end-session page, which
 * submits itself and returns the browser to the app's `/?state=…`, which drops the state. Without
 * JavaScript that page needs one "Continue".
 */
export async function finishSignOut(page: Page, options: { javaScript?: boolean } = {}): Promise<void> {
	if (options.javaScript === false) {
		await page.waitForURL((url) => url.origin === env.idp);
		await page.getByRole('button', { name: 'Continue' }).click();
	}
	await page.waitForURL(`${env.app}/`);
}
