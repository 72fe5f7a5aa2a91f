/** The signed-in user, as the authorization server described them. */
export interface AuthUser {
	/** Stable identifier (the `sub`). */
	readonly id: string;
	readonly email?: string;
	readonly name?: string;
	/** Further claims the authorization server returned (OIDC `picture`, `email_verified`, …). */
	readonly [claim: string]: unknown;
}

/** The public description of a session: safe to send to the browser (no token). */
export interface SessionInfo {
	/** Random session identifier chosen by the SDK (or the authorization server on handoff). */
	readonly id: string;
	/** When the session started (ms since the epoch). */
	readonly createdAt: number;
	/** When the session ends unless it is used again (ms since the epoch): the earlier of the inactivity and the absolute limit. */
	readonly expiresAt: number;
	/** How the user signed in. */
	readonly source: 'handoff' | 'oidc' | 'testing';
	/** The authentication context class the identity provider asserted (the ID token's `acr`), if any. */
	readonly acr?: string;
	/** When the user last authenticated at the identity provider (the ID token's `auth_time`, ms), if known. */
	readonly authenticatedAt?: number;
	/** The identity provider's own session end (ms; IPSIE SL1 `session_expiry`), when it gave one: `expiresAt` never passes it. */
	readonly idpSessionExpiresAt?: number;
}

/** `event.locals.auth` of a signed-in request. */
export interface SignedInAuth {
	readonly isAuthenticated: true;
	readonly user: AuthUser;
	readonly session: SessionInfo;
	/**
	 * The carry-over state of the handoff that signed this browser in: present on the first request
	 * after the handoff's 303 only, then null.
	 */
	readonly carryOverState: Readonly<Record<string, unknown>> | null;
	/** A valid access token for server-side API calls (refreshed when needed), or null when there is none. */
	getAccessToken(): Promise<string | null>;
	/**
	 * Calls a resource server (an API) as the signed-in user, server-side: the access token (refreshed
	 * when due, as `getAccessToken()`) goes as `Authorization: Bearer …`, or, for a DPoP-bound session
	 * (`dpop: true`), as `Authorization: DPoP …` with a fresh DPoP proof (RFC 9449 §7: `htm`, `htu`,
	 * `ath`, the server's nonce) signed with the session's key — following one `use_dpop_nonce`
	 * challenge. The key never leaves the SDK: this is how an app uses a bound token. Redirects are not
	 * followed (the token must not travel to another server).
	 *
	 * ```ts
	 * const answer = await locals.auth.fetch('https://api.example.com/orders', { method: 'GET' });
	 * ```
	 *
	 * @throws AuthError `login_required` when the session has no valid access token;
	 * `invalid_request` when `url` is not an absolute http(s) URL.
	 */
	fetch(url: string | URL, init?: AuthFetchInit): Promise<Response>;
}

/** The request of `locals.auth.fetch()`: a replayable body (a string), since a nonce challenge sends it twice. */
export interface AuthFetchInit {
	/** Default `'GET'`. */
	readonly method?: string;
	/** `Authorization` and `DPoP` are set by the SDK and replace any given here. */
	readonly headers?: HeadersInit;
	readonly body?: string;
	readonly signal?: AbortSignal;
}

/** `event.locals.auth` of a signed-out request: a value, not an exception. */
export interface SignedOutAuth {
	readonly isAuthenticated: false;
	readonly user: null;
	readonly session: null;
	readonly carryOverState: null;
	getAccessToken(): Promise<null>;
	/** Rejects with AuthError `login_required`: there is no token to call with. */
	fetch(url: string | URL, init?: AuthFetchInit): Promise<never>;
}

/**
 * What `createAuthHandle` puts on `event.locals.auth`. Declare it in `src/app.d.ts`:
 *
 * ```ts
 * import type { ServerAuthContext } from 'sveltekit-sso/server';
 * declare global {
 *   namespace App {
 *     interface Locals { auth: ServerAuthContext }
 *   }
 * }
 * ```
 */
export type ServerAuthContext = SignedInAuth | SignedOutAuth;
