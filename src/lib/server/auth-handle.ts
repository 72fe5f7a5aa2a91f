import type { RequestEvent } from '@sveltejs/kit';
import type { ServerAuthContext } from '../types.js';
import { resolveOidcConfig, type OidcConfig, type OidcOptions } from './config/oidc-config.js';
import type { Handle } from './handle-type.js';
import { isCrossSiteForm } from './http/csrf.js';
import { plain } from './http/responses.js';
import { backchannelLogout } from './oidc/backchannel-logout.js';
import { finishSignIn } from './oidc/callback.js';
import { createLogoutTokenVerifier, type LogoutTokenVerifier } from './oidc/logout-token.js';
import { signIn } from './oidc/sign-in.js';
import { signOut } from './oidc/sign-out.js';
import { joinRuntime } from './runtime/registry.js';
import type { Runtime } from './runtime/runtime.js';
import { currentSession, resolveSession } from './session/resolve-session.js';

/**
 * Options of {@link createAuthHandle}: the OpenID Connect relying party and what it shares with the
 * handoff entry points (secret, session cookie, stores, client). Only `issuer` and `clientId` are
 * required; `origin` (or adapter-node's `ORIGIN`) is required in production.
 */
export interface AuthHandleOptions extends OidcOptions {}

/**
 * Whether a request on a callback path is an authorization response for this hook. A handoff arriving
 * there (`handoff_token` instead of `code`) belongs to the handoff handler or the route (seed 001), and
 * a plain visit without any response parameter belongs to the route.
 */
function isAuthorizationResponse(params: URLSearchParams): boolean {
	if (params.has('code')) return true;
	if (params.has('handoff_token')) return false;
	return params.has('state') || params.has('error') || params.has('iss');
}

/**
 * Creates the hook of an OpenID Connect relying party. It owns four kinds of paths and passes every
 * other request to `resolve(event)` with `event.locals.auth` set:
 *
 * - **GET `loginPath`** (`/auth/login?returnTo=/path`) — 303 to the authorization endpoint with S256
 *   PKCE and a fresh `state` and `nonce` saved in a transaction cookie of their own (parallel tabs).
 * - **GET a callback path** (`/auth/callback`) — validates the authorization response (state,
 *   RFC 9207 `iss`, duplicates) before any token request, exchanges the code, validates the ID token
 *   (nonce, iss, aud, azp, exp, iat), optionally calls userinfo, writes a new session and answers 303
 *   to the sign-in's `returnTo`; every failure answers 303 to `errorRedirect` with `?error=<code>`.
 *   A request there carrying `handoff_token` instead of `code` is left to the handoff handler.
 * - **POST `logoutPath`** (same origin only) — clears the session, revokes the refresh token
 *   (RFC 7009) and its family, then 303 to the `end_session_endpoint` or `postLogoutRedirect`.
 * - **POST `backchannelLogoutPath`** — verifies a logout token and ends the sessions it names.
 *
 * On every other request it reads the session cookie into `event.locals.auth` — the signed-in
 * `{ user, session, isAuthenticated: true, getAccessToken() }` or the signed-out value. A bad,
 * expired or tampered cookie never throws: it is deleted and the request continues signed out. When
 * the access token is within `refreshLeewayMs` of expiry (at most half its lifetime) the hook refreshes
 * it first, once per session across concurrent requests and instances, and writes the new session
 * cookie on that response; `getAccessToken()` refreshes the same way.
 *
 * **Back-channel logout across instances.** A logout is recorded in `familyStore`; each instance
 * checks a session against the store at most every `sessionCheckIntervalMs` (default 30 s), and the
 * instance that received the logout at once. So every instance must share: `familyStore` (Redis or
 * Postgres, not the in-memory default), `secret`, and the same `issuer` / `clientId`. Between checks a
 * request costs no store call. SvelteKit's CSRF check answers 403 to the server-to-server form POST
 * of a logout token in production unless `kit.csrf.trustedOrigins` allows it (it has no `Origin`).
 *
 * ```ts
 * // src/hooks.server.ts
 * import { createAuthHandle } from 'sveltekit-sso/server';
 * export const handle = createAuthHandle({
 *   issuer: 'https://idp.example.com',
 *   clientId: 'my-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET,
 *   origin: 'https://app.example.com'
 * });
 * ```
 *
 * It shares one runtime (session cookie, family store, secret) with the app's `createHandoffHandler`
 * and `verifyHandoffToken` for the same `issuer` and `clientId`, in whatever order they are mounted.
 *
 * @throws TypeError (code `ERR_INVALID_OPTION` / `ERR_MISSING_SECRET`) at construction for invalid
 * options, or a shared option that differs from another entry point's; the message names the option.
 */
export function createAuthHandle(options: AuthHandleOptions): Handle {
	const fn = 'createAuthHandle';
	const config = resolveOidcConfig(fn, options);
	const ref = joinRuntime(fn, options, config.shared);
	const callbackPaths = new Set(config.callbackPaths);
	const owned = new Set([...config.callbackPaths, config.loginPath, config.logoutPath, config.backchannelLogoutPath]);
	let verifyLogoutToken: LogoutTokenVerifier | undefined;

	function route(event: RequestEvent, path: string, runtime: Runtime): Promise<Response> {
		if (path === config.loginPath) return signIn(event, config, runtime);
		if (path === config.logoutPath) return currentSession(runtime, event).then((current) => signOut(event, config, runtime, current));
		if (path === config.backchannelLogoutPath) {
			verifyLogoutToken ??= createLogoutTokenVerifier({
				clientId: runtime.config.clientId,
				clock: runtime.clock,
				discovery: runtime.discovery,
				fetch: runtime.connection.fetch,
				timeoutMs: runtime.connection.timeoutMs
			});
			return backchannelLogout(event, runtime, verifyLogoutToken);
		}
		return callback(event, config, runtime);
	}

	return ({ event, resolve }) => {
		const runtime = ref.get();
		const path = event.url.pathname;
		if (config.checkOrigin && event.request.method !== 'GET' && path !== config.backchannelLogoutPath && isCrossSiteForm(event.request, runtime.appOrigin(event))) {
			return plain(event, 403, `Cross-site ${event.request.method} form submissions are forbidden`);
		}
		if (owned.has(path) && (!callbackPaths.has(path) || isAuthorizationResponse(event.url.searchParams))) return route(event, path, runtime);
		// Mounted twice (or after a handoff handler that resolved the session): the session is resolved once.
		if ((event.locals as { auth?: ServerAuthContext }).auth !== undefined) return resolve(event);
		return resolveSession(runtime, event, resolve);
	};
}

async function callback(event: RequestEvent, config: OidcConfig, runtime: Runtime): Promise<Response> {
	const { response, auth } = await finishSignIn(event, config, runtime, await currentSession(runtime, event));
	if (auth) (event.locals as { auth?: ServerAuthContext }).auth = auth;
	return response;
}
