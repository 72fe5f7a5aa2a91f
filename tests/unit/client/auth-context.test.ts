import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'svelte/compiler';
import { render } from 'svelte/server';
import { get } from 'svelte/store';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthContextState } from '../../../src/lib/client/auth-context.js';
import { publicAuth, type PublicAuth } from '../../../src/lib/index.js';
import type { ServerAuthContext } from '../../../src/lib/server/index.js';

// The state machine and the store contract run in Node as they are (plain TypeScript). The
// component-facing behaviour — seed 001's markup, runes getters, the missing-context error — is
// tested by compiling small components with the Svelte compiler and rendering them on the server.
// Reactivity in the browser (timers flipping the page, sign-out) is covered by e2e/session.spec.ts.

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

function signedIn(overrides: { id?: string; expiresAt?: number; carryOverState?: Record<string, unknown> | null } = {}): PublicAuth {
	return {
		user: { id: 'ada', name: 'Ada Lovelace', email: 'ada@example.test' },
		session: { id: overrides.id ?? 's1', createdAt: T0, expiresAt: overrides.expiresAt ?? T0 + 60_000, source: 'handoff' },
		...(overrides.carryOverState === undefined ? {} : { carryOverState: overrides.carryOverState })
	};
}

describe('the auth context as a Svelte store', () => {
	it("exposes seed 001's $auth.stores.isAuthenticated and $auth.stores.user", () => {
		const auth = new AuthContextState(signedIn());
		const value = get(auth);
		expect(value.stores.isAuthenticated).toBe(true);
		expect(value.stores.user?.name).toBe('Ada Lovelace');
		expect(value.isAuthenticated).toBe(true);
		expect(value.status).toBe('signed-in');
	});

	it('calls a subscriber at once and after every change, and not after it unsubscribes', () => {
		const auth = new AuthContextState(null);
		const seen: boolean[] = [];
		const unsubscribe = auth.subscribe((value) => seen.push(value.stores.isAuthenticated));
		auth.update(signedIn());
		auth.update(null);
		unsubscribe();
		auth.update(signedIn());
		expect(seen).toEqual([false, true, false]);
	});

	it('notifies nobody when the server sends the same session again (the root layout reloads on navigation)', () => {
		const auth = new AuthContextState(signedIn());
		const before = get(auth);
		let calls = 0;
		auth.subscribe(() => calls++);
		auth.update(signedIn());
		auth.update(null);
		auth.update(null);
		expect(calls).toBe(2);
		auth.update(signedIn());
		expect(get(auth).user).toEqual(before.user);
		expect(calls).toBe(3);
	});

	it('has one store per field in auth.stores, for $user after destructuring', () => {
		const auth = new AuthContextState(signedIn());
		const { user, isAuthenticated, session, status } = auth.stores;
		expect(get(user)?.id).toBe('ada');
		expect(get(isAuthenticated)).toBe(true);
		expect(get(session)?.id).toBe('s1');
		expect(get(status)).toBe('signed-in');
		auth.update(null);
		expect(get(user)).toBeNull();
		expect(get(isAuthenticated)).toBe(false);
	});

	it('reads the same through the getters as through the store', () => {
		const auth = new AuthContextState(signedIn());
		expect(auth.user?.email).toBe('ada@example.test');
		expect(auth.session?.source).toBe('handoff');
		expect(auth.isAuthenticated).toBe(true);
		auth.update(null);
		expect(auth.user).toBeNull();
		expect(auth.session).toBeNull();
		expect(auth.status).toBe('signed-out');
	});

	it('refuses a logoutPath that is not a same-origin path', () => {
		for (const logoutPath of ['https://evil.example/logout', '//evil.example/logout', 'auth/logout']) {
			expect(() => new AuthContextState(null, { logoutPath })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
		}
	});
});

describe('session expiry', () => {
	beforeAll(() => vi.useFakeTimers({ now: T0 }));
	afterEach(() => vi.clearAllTimers());
	afterAll(() => vi.useRealTimers());

	it('turns the context expired when session.expiresAt passes, without a new server value', () => {
		vi.setSystemTime(T0);
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + 5_000 }));
		const statuses: string[] = [];
		auth.subscribe((value) => statuses.push(value.status));
		const stop = auth.start();
		vi.advanceTimersByTime(4_999);
		expect(auth.isAuthenticated).toBe(true);
		vi.advanceTimersByTime(1);
		expect(auth.isAuthenticated).toBe(false);
		expect(auth.user).toBeNull();
		expect(get(auth).stores.isAuthenticated).toBe(false);
		expect(statuses).toEqual(['signed-in', 'expired']);
		stop();
	});

	it('arms no timer before start(): server rendering shows what the server sent', () => {
		vi.setSystemTime(T0 + 10_000);
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + 5_000 }));
		expect(vi.getTimerCount()).toBe(0);
		expect(auth.status).toBe('signed-in');
	});

	it('marks an already-expired session at once when it starts', () => {
		vi.setSystemTime(T0 + 10_000);
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + 5_000 }));
		const stop = auth.start();
		expect(auth.status).toBe('expired');
		expect(vi.getTimerCount()).toBe(0);
		stop();
	});

	it('clears its timer when stopped (the layout is destroyed)', () => {
		vi.setSystemTime(T0);
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + 5_000 }));
		const stop = auth.start();
		expect(vi.getTimerCount()).toBe(1);
		stop();
		expect(vi.getTimerCount()).toBe(0);
		vi.advanceTimersByTime(10_000);
		expect(auth.status).toBe('signed-in');
	});

	it('follows a new server value: an extended session is signed in again with a new timer', () => {
		vi.setSystemTime(T0);
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + 1_000 }));
		const stop = auth.start();
		vi.advanceTimersByTime(1_000);
		expect(auth.status).toBe('expired');
		auth.update(signedIn({ expiresAt: T0 + 3_000 }));
		expect(auth.status).toBe('signed-in');
		vi.advanceTimersByTime(2_000);
		expect(auth.status).toBe('expired');
		stop();
	});

	it('re-arms an expiry beyond the longest setTimeout delay instead of firing early', () => {
		vi.setSystemTime(T0);
		const thirtyDays = 30 * 24 * 60 * 60 * 1000;
		const auth = new AuthContextState(signedIn({ expiresAt: T0 + thirtyDays }));
		const stop = auth.start();
		vi.advanceTimersByTime(2_147_483_647);
		expect(auth.status).toBe('signed-in');
		expect(vi.getTimerCount()).toBe(1);
		vi.advanceTimersByTime(thirtyDays - 2_147_483_647);
		expect(auth.status).toBe('expired');
		stop();
	});
});

describe('carry-over state', () => {
	it('keeps the handoff carry-over state for later values of the same session', () => {
		const auth = new AuthContextState(signedIn({ carryOverState: { cart: 'c-42' } }));
		expect(auth.carryOverState).toEqual({ cart: 'c-42' });
		auth.update(signedIn({ carryOverState: null }));
		expect(auth.carryOverState).toEqual({ cart: 'c-42' });
		auth.update(signedIn({ id: 's2' }));
		expect(auth.carryOverState).toBeNull();
	});
});

describe('signOut', () => {
	it('refuses to run during server rendering', async () => {
		const auth = new AuthContextState(signedIn());
		await expect(auth.signOut()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARGUMENT' });
	});

	it('reads signed out at once and POSTs a hidden form to the logout endpoint', async () => {
		const submitted: { method: string; action: string; hidden: boolean }[] = [];
		const body = { append: vi.fn() };
		vi.stubGlobal('document', {
			body,
			createElement: () => {
				const form = { method: '', action: '', hidden: false, submit: () => submitted.push({ ...form }) };
				return form;
			}
		});
		try {
			const auth = new AuthContextState(signedIn({ carryOverState: { a: 1 } }), { logoutPath: '/base/auth/logout' });
			await auth.signOut();
			expect(auth.isAuthenticated).toBe(false);
			expect(auth.status).toBe('signed-out');
			expect(auth.carryOverState).toBeNull();
			expect(submitted).toEqual([{ method: 'post', action: '/base/auth/logout', hidden: true, submit: expect.any(Function) }]);
			expect(body.append).toHaveBeenCalledOnce();
		} finally {
			vi.unstubAllGlobals();
		}
	});
});

describe('publicAuth', () => {
	const signedInLocals: ServerAuthContext = Object.freeze({
		isAuthenticated: true as const,
		user: { id: 'ada', name: 'Ada', access_token: 'leak-a', id_token: 'leak-b', picture: 'https://example.test/a.png' },
		session: { id: 's1', createdAt: T0, expiresAt: T0 + 1000, source: 'oidc' as const },
		carryOverState: { from: 'portal' },
		getAccessToken: async () => 'secret-access-token',
		fetch: async () => new Response(null)
	});

	it('returns the user and session of a signed-in request as plain data, without any token', () => {
		const result = publicAuth(signedInLocals);
		expect(result).toEqual({
			user: { id: 'ada', name: 'Ada', picture: 'https://example.test/a.png' },
			session: { id: 's1', createdAt: T0, expiresAt: T0 + 1000, source: 'oidc' }
		});
		expect(JSON.stringify(result)).not.toMatch(/leak|secret/);
		expect(structuredClone(result)).toEqual(result);
	});

	it('adds the carry-over state only when asked', () => {
		expect(publicAuth(signedInLocals, { carryOverState: true })?.carryOverState).toEqual({ from: 'portal' });
	});

	it('returns null when signed out', () => {
		expect(
			publicAuth({ isAuthenticated: false, user: null, session: null, carryOverState: null })
		).toBeNull();
	});

	it('says how to fix a missing createAuthHandle', () => {
		expect(() => publicAuth(undefined)).toThrow(/createAuthHandle\(.*src\/hooks\.server\.ts/);
	});
});

// ---------------------------------------------------------------------------------------------
// Components, compiled for the server and rendered.

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = `${root}.tmp/unit-auth-context-${process.pid}`;
const entry = `${root}src/lib/index.ts`;

async function component(name: string, source: string, options: { runes?: boolean } = {}) {
	const { js } = compile(source.replaceAll("'sveltekit-sso'", JSON.stringify(entry)), {
		generate: 'server',
		filename: `${name}.svelte`,
		runes: options.runes
	});
	const file = `${dir}/${name}.js`;
	writeFileSync(file, js.code.replace(/from '\.\/(\w+)\.svelte'/g, "from './$1.js'"));
	return (await import(/* @vite-ignore */ file)).default;
}

describe('in components', () => {
	beforeAll(() => mkdirSync(dir, { recursive: true }));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	// Seed 001's "Client-Side Usage" component, verbatim but for the package name: legacy syntax.
	const seed = `<script lang="ts">
import { getAuthContext } from 'sveltekit-sso';
const auth = getAuthContext();
</script>
{#if $auth.stores.isAuthenticated}
<div>
<p>Welcome, {$auth.stores.user?.name}!</p>
<button on:click={() => auth.signOut()}>Sign Out</button>
</div>
{:else}
<a href="/login">Sign In</a>
{/if}`;

	const runes = `<script lang="ts">
import { getAuthContext } from 'sveltekit-sso';
const auth = getAuthContext();
const greeting = $derived(auth.user ? 'Hello ' + auth.user.name : 'Nobody');
</script>
<p>{greeting} ({auth.status}, {auth.session?.id ?? 'no session'})</p>`;

	const layout = `<script lang="ts">
import { setAuthContext } from 'sveltekit-sso';
import Seed from './Seed.svelte';
import Runes from './Runes.svelte';
let { data } = $props();
setAuthContext(() => data.auth);
</script>
<Seed /><Runes />`;

	it("renders seed 001's store markup and runes getters from setAuthContext(() => data.auth)", async () => {
		await component('Seed', seed, { runes: false });
		await component('Runes', runes, { runes: true });
		const Layout = await component('Layout', layout, { runes: true });
		const signedInHtml = render(Layout, { props: { data: { auth: signedIn() } } }).body;
		expect(signedInHtml).toContain('<p>Welcome, Ada Lovelace!</p>');
		expect(signedInHtml).toContain('Sign Out</button>');
		expect(signedInHtml).toContain('Hello Ada Lovelace (signed-in, s1)');
		const signedOutHtml = render(Layout, { props: { data: { auth: null } } }).body;
		expect(signedOutHtml).toContain('<a href="/login">Sign In</a>');
		expect(signedOutHtml).toContain('Nobody (signed-out, no session)');
	});

	it('throws an error that says how to set the context when no layout set it', async () => {
		const Orphan = await component('Orphan', runes, { runes: true });
		expect(() => render(Orphan).body).toThrow(
			'getAuthContext: no auth context. Set it once in src/routes/+layout.svelte with `setAuthContext(() => data.auth)`, ' +
				'where src/routes/+layout.server.ts returns `{ auth: publicAuth(locals.auth) }` (both from sveltekit-sso).'
		);
	});

	it('says what to return from +layout.server.ts when data.auth is missing', async () => {
		await component('Seed', seed, { runes: false });
		await component('Runes', runes, { runes: true });
		const Layout = await component('Layout2', layout, { runes: true });
		expect(() => render(Layout, { props: { data: {} } }).body).toThrow(/return \{ auth: publicAuth\(locals\.auth\) \} from the load function of src\/routes\/\+layout\.server\.ts/);
	});
});
