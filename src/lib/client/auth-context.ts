import { getContext, onMount, setContext, untrack } from 'svelte';
import { createSubscriber } from 'svelte/reactivity';
import { derived, toStore, type Readable } from 'svelte/store';
import { misuse } from '../errors.js';
import type { AuthUser, SessionInfo } from '../types.js';
import type { PublicAuth } from './public-auth.js';

// Plain TypeScript rather than `$state` in a .svelte.ts file: `createSubscriber` makes the getters
// reactive in runes code, the same listeners drive the store contract, and the whole state machine
// runs (and is unit-tested) in Node without the Svelte compiler.

/**
 * Why the context reads the way it does: `'signed-in'`; `'signed-out'` (no session, or after
 * `signOut()`); `'expired'` (the session's `expiresAt` passed while the page was open).
 */
export type AuthStatus = 'signed-in' | 'signed-out' | 'expired';

/** What the auth context says at one moment. Every field is `null`/`false` unless signed in. */
export interface AuthState {
	readonly status: AuthStatus;
	readonly isAuthenticated: boolean;
	readonly user: AuthUser | null;
	readonly session: SessionInfo | null;
	/**
	 * The carry-over state of the handoff that started the current session, kept for the life of
	 * the page once the server sent it (see `publicAuth`'s `carryOverState` option); otherwise null.
	 */
	readonly carryOverState: Readonly<Record<string, unknown>> | null;
}

/** The value of the context as a store: `$auth.user`, or seed 001's spelling `$auth.stores.user`. */
export interface AuthStoreValue extends AuthState {
	/** The same state again, so that the seed's `{#if $auth.stores.isAuthenticated}` works as written. */
	readonly stores: AuthState;
}

/** One store per field, for `const { isAuthenticated, user } = auth.stores` and then `$user`. */
export interface AuthStores {
	readonly isAuthenticated: Readable<boolean>;
	readonly user: Readable<AuthUser | null>;
	readonly session: Readable<SessionInfo | null>;
	readonly status: Readable<AuthStatus>;
}

/** Options of {@link setAuthContext}. */
export interface AuthContextOptions {
	/**
	 * The sign-out endpoint of `createAuthHandle`, including `paths.base` if the app has one.
	 * Default `'/auth/logout'`.
	 */
	logoutPath?: string;
}

/**
 * The auth context of a component tree. It is three things at once:
 *
 * - **runes**: `auth.user`, `auth.session`, `auth.isAuthenticated`, `auth.status` are reactive
 *   getters — read them in markup, `$derived` or `$effect`;
 * - **a Svelte store** of {@link AuthStoreValue}: `$auth.user`, and seed 001's `$auth.stores.user`;
 * - the actions: `await auth.signOut()`.
 */
export interface AuthContext extends Readable<AuthStoreValue>, AuthState {
	/** One store per field (`auth.stores.user` is a store; `$auth.stores.user` is its value). */
	readonly stores: AuthStores;
	/**
	 * Signs out: the context reads signed out at once, then the browser POSTs to the sign-out
	 * endpoint with a hidden `<form method="post">` and follows its answer — the 303 to the identity
	 * provider's end-session page, or back to the app.
	 *
	 * A form, not `fetch`: the answer is a redirect to another origin, which a `fetch` can neither
	 * read (`redirect: 'manual'` gives an opaque response without `Location`) nor follow usefully (the
	 * identity provider needs a top-level navigation with its own cookies). A form POST has the
	 * `application/x-www-form-urlencoded` content type that SvelteKit's CSRF origin check covers,
	 * carries `Origin` and `Sec-Fetch-Site: same-origin` (which the endpoint checks too), and is what
	 * a page without JavaScript submits anyway.
	 *
	 * The returned promise resolves once the navigation has started; the page then unloads. Do not
	 * navigate elsewhere after awaiting it.
	 *
	 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when called during server rendering.
	 */
	signOut(): Promise<void>;
}

const CONTEXT_KEY = Symbol.for('sveltekit-sso/auth-context');
const DEFAULT_LOGOUT_PATH = '/auth/logout';
// setTimeout holds at most 2^31 - 1 ms (24.8 days); a later expiry is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;

const SIGNED_OUT: AuthState = Object.freeze({
	status: 'signed-out',
	isAuthenticated: false,
	user: null,
	session: null,
	carryOverState: null
});

function isPublicAuth(value: unknown): value is PublicAuth {
	if (typeof value !== 'object' || value === null) return false;
	const { user, session } = value as Partial<PublicAuth>;
	return (
		typeof user === 'object' &&
		user !== null &&
		typeof user.id === 'string' &&
		typeof session === 'object' &&
		session !== null &&
		typeof session.id === 'string' &&
		typeof session.expiresAt === 'number'
	);
}

/** The same session as before, as the root layout's load sends it again on every navigation. */
function unchanged(previous: PublicAuth | null, next: PublicAuth | null): boolean {
	if (previous === null || next === null) return previous === next;
	if (next.carryOverState || previous.session.id !== next.session.id) return false;
	return JSON.stringify([previous.user, previous.session]) === JSON.stringify([next.user, next.session]);
}

function checkSource(fn: string, value: unknown): PublicAuth | null {
	if (value === null) return null;
	if (value === undefined) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			`${fn}: the getter returned undefined — return { auth: publicAuth(locals.auth) } from the load function of src/routes/+layout.server.ts and pass () => data.auth`
		);
	}
	if (!isPublicAuth(value)) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			`${fn}: the getter must return the value of publicAuth(locals.auth) ({ user, session } or null), such as () => data.auth`
		);
	}
	return value;
}

/**
 * The implementation behind {@link AuthContext}. Internal: components get it from
 * `setAuthContext` / `getAuthContext`; unit tests construct it directly.
 */
export class AuthContextState implements AuthContext {
	#server: PublicAuth | null;
	/** A local verdict over the server's value, until the server sends a new one. */
	#override: 'signed-out' | 'expired' | null = null;
	#carryOver: { sessionId: string; state: Readonly<Record<string, unknown>> } | null = null;
	#value: AuthStoreValue;
	#listeners = new Set<() => void>();
	#track: () => void;
	#stores: AuthStores | undefined;
	#live = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #logoutPath: string;

	constructor(initial: PublicAuth | null, options: AuthContextOptions = {}) {
		const logoutPath = options.logoutPath ?? DEFAULT_LOGOUT_PATH;
		if (typeof logoutPath !== 'string' || !logoutPath.startsWith('/') || logoutPath.startsWith('//')) {
			throw misuse('ERR_INVALID_OPTION', "setAuthContext: options.logoutPath must be a path starting with '/', such as '/auth/logout'");
		}
		this.#logoutPath = logoutPath;
		this.#server = initial;
		this.#rememberCarryOver(initial);
		this.#value = this.#compute();
		// Runes: a getter read inside an effect subscribes that effect to the same listeners the store uses.
		this.#track = createSubscriber((update) => this.#listen(update));
	}

	/** Takes a new value from the server: any local verdict (signed out, expired) yields to it. */
	update(next: PublicAuth | null): void {
		if (next === this.#server || (this.#override === null && unchanged(this.#server, next))) return;
		this.#server = next;
		this.#override = null;
		this.#rememberCarryOver(next);
		if (this.#live) this.#schedule();
		this.#publish();
	}

	/**
	 * Starts following the clock (browser only: the server renders what it was given): the context
	 * flips to `'expired'` when `session.expiresAt` passes. Returns the function that stops it.
	 */
	start(): () => void {
		this.#live = true;
		if (this.#schedule()) this.#publish();
		return () => {
			this.#live = false;
			clearTimeout(this.#timer);
			this.#timer = undefined;
		};
	}

	get status(): AuthStatus {
		this.#track();
		return this.#value.status;
	}
	get isAuthenticated(): boolean {
		this.#track();
		return this.#value.isAuthenticated;
	}
	get user(): AuthUser | null {
		this.#track();
		return this.#value.user;
	}
	get session(): SessionInfo | null {
		this.#track();
		return this.#value.session;
	}
	get carryOverState(): Readonly<Record<string, unknown>> | null {
		this.#track();
		return this.#value.carryOverState;
	}

	get stores(): AuthStores {
		return (this.#stores ??= Object.freeze({
			isAuthenticated: derived(this, (value) => value.isAuthenticated),
			user: derived(this, (value) => value.user),
			session: derived(this, (value) => value.session),
			status: derived(this, (value) => value.status)
		}));
	}

	/** The Svelte store contract: `run` now and after every change; returns the unsubscriber. */
	subscribe(run: (value: AuthStoreValue) => void): () => void {
		run(this.#value);
		return this.#listen(() => run(this.#value));
	}

	async signOut(): Promise<void> {
		if (typeof document === 'undefined') {
			throw misuse('ERR_INVALID_ARGUMENT', 'auth.signOut(): call it in the browser, from an event handler — not while rendering on the server');
		}
		this.#override = 'signed-out';
		this.#carryOver = null;
		clearTimeout(this.#timer);
		this.#publish();
		const form = document.createElement('form');
		form.method = 'post';
		form.action = this.#logoutPath;
		form.hidden = true;
		document.body.append(form);
		// submit(), not requestSubmit(): no submit event, so no router or enhance handler intercepts it.
		form.submit();
	}

	#listen(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#publish(): void {
		this.#value = this.#compute();
		for (const listener of [...this.#listeners]) listener();
	}

	#compute(): AuthStoreValue {
		const server = this.#server;
		let state: AuthState;
		if (server === null || this.#override !== null) {
			state = this.#override === 'expired' ? Object.freeze({ ...SIGNED_OUT, status: 'expired' as const }) : SIGNED_OUT;
		} else {
			state = Object.freeze({
				status: 'signed-in' as const,
				isAuthenticated: true,
				user: server.user,
				session: server.session,
				carryOverState: this.#carryOver?.sessionId === server.session.id ? this.#carryOver.state : null
			});
		}
		return Object.freeze({ ...state, stores: state });
	}

	#rememberCarryOver(next: PublicAuth | null): void {
		if (next === null) this.#carryOver = null;
		else if (next.carryOverState) this.#carryOver = { sessionId: next.session.id, state: next.carryOverState };
		else if (this.#carryOver?.sessionId !== next.session.id) this.#carryOver = null;
	}

	/** Arms the expiry timer; answers true when the session has already expired (and marks it so). */
	#schedule(): boolean {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		const session = this.#server?.session;
		if (!session || this.#override !== null) return false;
		const remaining = session.expiresAt - Date.now();
		if (remaining <= 0) {
			this.#override = 'expired';
			return true;
		}
		this.#timer = setTimeout(() => {
			if (this.#schedule()) this.#publish();
		}, Math.min(remaining, MAX_TIMER_MS));
		return false;
	}
}

/**
 * Makes the session available to every component below the calling one: call it once, in the
 * root `+layout.svelte`, with a getter for the layout's data (a getter, so that navigation and
 * `invalidateAll()` update the context).
 *
 * ```svelte
 * <!-- src/routes/+layout.svelte -->
 * <script lang="ts">
 *   import { setAuthContext } from 'sveltekit-sso';
 *   let { data, children } = $props();
 *   setAuthContext(() => data.auth);
 * </script>
 * {@render children()}
 * ```
 *
 * with `src/routes/+layout.server.ts` returning `{ auth: publicAuth(locals.auth) }`. In the browser
 * the context then turns `'expired'` by itself when `session.expiresAt` passes (a timer, cleared
 * when the layout is destroyed); the server renders exactly what it was given.
 *
 * Note that `expiresAt` is what the server said when the layout's data was loaded: a session whose
 * inactivity window later requests extended is seen as extended when that data is loaded again.
 *
 * @param source Returns `data.auth`: the value of `publicAuth(locals.auth)`.
 * @returns The context, the same object `getAuthContext()` returns below.
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when `source` is not a getter or returns something
 * other than `publicAuth`'s value; (code `ERR_INVALID_OPTION`) for an invalid `logoutPath`. Like
 * Svelte's `setContext`, it must be called while the component initialises.
 */
export function setAuthContext(source: () => PublicAuth | null, options: AuthContextOptions = {}): AuthContext {
	const fn = 'setAuthContext';
	if (typeof source !== 'function') {
		throw misuse('ERR_INVALID_ARGUMENT', `${fn}: pass a getter, setAuthContext(() => data.auth), so that navigation updates the context`);
	}
	const auth = new AuthContextState(checkSource(fn, untrack(source)), options);
	setContext(CONTEXT_KEY, auth);
	onMount(() => {
		const stop = auth.start();
		// toStore re-runs the getter whenever what it reads (the layout's `data`) changes.
		const unfollow = toStore(source).subscribe((value) => auth.update(checkSource(fn, value)));
		return () => {
			unfollow();
			stop();
		};
	});
	return auth;
}

/**
 * The auth context set by {@link setAuthContext} in a parent layout. Works with runes and with
 * seed 001's store syntax:
 *
 * ```svelte
 * <script lang="ts">
 *   import { getAuthContext } from 'sveltekit-sso';
 *   const auth = getAuthContext();
 * </script>
 * {#if $auth.stores.isAuthenticated}
 *   <p>Welcome, {$auth.stores.user?.name}!</p>
 *   <button onclick={() => auth.signOut()}>Sign out</button>
 * {:else if auth.status === 'expired'}
 *   <p>Your session has expired. <a href="/login">Sign in again</a></p>
 * {/if}
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when no parent component called `setAuthContext`,
 * with the two lines that fix it. Like Svelte's `getContext`, it must be called while the component
 * initialises.
 */
export function getAuthContext(): AuthContext {
	const auth = getContext<AuthContext | undefined>(CONTEXT_KEY);
	if (auth === undefined) {
		throw misuse(
			'ERR_INVALID_ARGUMENT',
			'getAuthContext: no auth context. Set it once in src/routes/+layout.svelte with `setAuthContext(() => data.auth)`, ' +
				'where src/routes/+layout.server.ts returns `{ auth: publicAuth(locals.auth) }` (both from sveltekit-sso).'
		);
	}
	return auth;
}
