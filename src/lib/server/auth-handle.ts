import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../cookies/cookie-batch.js';
import type { SessionRead, SessionRecord } from '../cookies/session-cookie.js';
import { SIGNED_OUT, type ServerAuthContext, type SignedInAuth } from './auth-context.js';
import type { Handle } from './handle-type.js';
import { withNoStore } from './no-store.js';
import { requestState, type RequestState } from './request-state.js';
import { cookiesWithPrefix } from '../cookies/handoff-result-cookie.js';
import type { SessionRuntimeOptions } from './session-runtime.js';
import { resolveOidcOptions, type OidcOptions } from './oidc/options.js';
import { registerOidcRuntime } from './oidc/default-runtime.js';
import { signIn } from './oidc/sign-in.js';
import { finishSignIn } from './oidc/callback.js';
import { signOut } from './oidc/sign-out.js';
import { backchannelLogout } from './oidc/backchannel-logout.js';
import { createLogoutTokenVerifier } from './oidc/logout-token.js';
import { createRefresher } from './refresh/refresher.js';
import { createSessionRevocation } from './refresh/session-revocation.js';

/**
 * Options of {@link createAuthHandle}: the OpenID Connect relying party ({@link OidcOptions}) and the
 * session cookie ({@link SessionRuntimeOptions}). Only `issuer` and `clientId` are required;
 * `origin` (or adapter-node's `ORIGIN`) is required in production.
 */
export interface AuthHandleOptions extends SessionRuntimeOptions, OidcOptions {}

type Resolve = Parameters<Handle>[0]['resolve'];

// A request that starts this close to the access token's refresh time gets an auth value of its own,
// whose getAccessToken() can write the refreshed session cookie on its response; earlier requests
// share one frozen value per cookie (the allocation-free hot path).
const REQUEST_HORIZON_MS = 60_000;

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

/** Per opened cookie value (lives in the session cache's memo slot): derived once, reused by every request. */
interface Memo {
	/** The shared auth value of the hot path. */
	readonly auth: SignedInAuth;
	readonly checkable: boolean;
	readonly refreshAt: number;
	/** Not before this (after a transient refresh failure). */
	retryAt: number;
	/** Last successful check against the family store (family revoked, back-channel logout). */
	checkedAt: number;
	/** The revocation epoch at that check: a logout recorded on this instance since forces a new one. */
	epoch: number;
	/** The hot path applies until then. */
	hotUntil: number;
	checking?: Promise<boolean>;
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
 * @throws TypeError (code `ERR_INVALID_OPTION` / `ERR_MISSING_SECRET`) at construction for invalid
 * options; the message names the option.
 */
export function createAuthHandle(options: AuthHandleOptions): Handle {
	const fn = 'createAuthHandle';
	const oidc = resolveOidcOptions(fn, options);
	registerOidcRuntime(oidc);
	const runtime = oidc.session;
	const clock = runtime.clock;
	const refresher = createRefresher(oidc);
	const revocation = createSessionRevocation({ store: oidc.store, clock, issuer: oidc.issuer.href, sessionMaxAgeMs: oidc.sessionMaxAgeMs });
	const verifyLogoutToken = createLogoutTokenVerifier({ clientId: oidc.clientId, clock: oidc.clock, discovery: oidc.discovery, fetch: oidc.connection.fetch, timeoutMs: oidc.connection.timeoutMs });
	const callbackPaths = new Set(oidc.callbackPaths);
	const owned = new Set([...oidc.callbackPaths, oidc.loginPath, oidc.logoutPath, oidc.backchannelLogoutPath]);
	const interval = oidc.sessionCheckIntervalMs;

	function memoOf(read: Extract<SessionRead, { kind: 'valid' }>): Memo {
		const slot = read.memo as { value?: Memo };
		if (slot.value) return slot.value;
		const record = read.record;
		const refreshAt = refresher.refreshAt(record);
		const checkable = revocation.isCheckable(record);
		const memo: Memo = {
			auth: runtime.toAuth(record, read.expiresAt, null, sharedAccessToken(record)),
			checkable,
			refreshAt,
			retryAt: -Infinity,
			// First sight in this process: checked on its first request.
			checkedAt: -Infinity,
			epoch: revocation.epoch,
			hotUntil: checkable ? -Infinity : refreshAt - REQUEST_HORIZON_MS
		};
		slot.value = memo;
		return memo;
	}

	/** The signed-in or signed-out value when no cookie must be written and no check is due; null otherwise. */
	function settled(read: SessionRead, header: string | null): ServerAuthContext | null {
		if (read.kind === 'none') return SIGNED_OUT;
		if (read.kind !== 'valid' || read.reseal || header?.includes(runtime.handoffResult.marker)) return null;
		// The same cookie as on the previous request: the same frozen auth value, built once.
		const memo = memoOf(read);
		if (clock() >= memo.hotUntil || (memo.checkable && memo.epoch !== revocation.epoch)) return null;
		return memo.auth;
	}

	/**
	 * getAccessToken of the shared value: never refreshes, because it cannot write the cookie, and a
	 * rotation the browser never learns of turns its cookie into a replay once the grace window ends.
	 * The hot path serves this value only while the token is far from its refresh time.
	 */
	function sharedAccessToken(record: SessionRecord): () => Promise<string | null> {
		return async () => {
			const tokens = record.tokens;
			return tokens && tokens.expiresAt > clock() ? tokens.accessToken : null;
		};
	}

	/**
	 * getAccessToken of one request: a refresh it runs writes the session cookie into `late`. Once the
	 * response has left (`late.sealed`), it no longer refreshes: the new cookie could not reach the browser.
	 */
	function requestAccessToken(start: SessionRecord, url: URL, present: readonly string[], late: LateCookies): () => Promise<string | null> {
		let record = start;
		return async () => {
			const tokens = record.tokens;
			if (!tokens) return null;
			if (late.sealed || clock() < refresher.refreshAt(record)) return tokens.expiresAt > clock() ? tokens.accessToken : null;
			const outcome = await refresher.refresh(record);
			if (outcome.kind === 'refreshed') {
				record = outcome.record;
				try {
					await runtime.session.write(late, url, record, present);
				} catch {
					// Too large to store: the tokens serve this request; the next one refreshes again.
				}
				return record.tokens?.accessToken ?? null;
			}
			if (outcome.kind === 'unchanged') return tokens.expiresAt > clock() ? tokens.accessToken : null;
			if (outcome.kind === 'ended') runtime.session.clear(late, url, present);
			return null;
		};
	}

	async function authenticate(
		event: RequestEvent,
		state: RequestState,
		read: SessionRead,
		header: string | null,
		url: URL,
		late: LateCookies
	): Promise<{ auth: ServerAuthContext; batch: CookieBatch | null }> {
		const fast = settled(read, header);
		if (fast) return { auth: fast, batch: null };
		if (read.kind !== 'valid') {
			const batch = new CookieBatch();
			if (read.kind === 'invalid') runtime.session.clear(batch, url, read.present);
			return { auth: SIGNED_OUT, batch };
		}
		const memo = memoOf(read);
		let record = read.record;
		let expiresAt = read.expiresAt;
		let batch: CookieBatch | null = null;
		const ended = () => {
			const clear = new CookieBatch();
			runtime.session.clear(clear, url, read.present);
			return { auth: SIGNED_OUT, batch: clear };
		};

		const now = clock();
		if (memo.checkable && (now >= memo.checkedAt + interval || memo.epoch !== revocation.epoch)) {
			const epoch = revocation.epoch;
			let revoked: boolean;
			try {
				revoked = await (memo.checking ??= revocation.isRevoked(record).finally(() => (memo.checking = undefined)));
			} catch (error) {
				// The store is down: fail closed for this request (signed out) without deleting the cookie,
				// so the session comes back with the store (R6).
				oidc.onError({ code: 'store_unavailable', phase: 'session-check', message: 'checking the session against the family store failed', cause: error });
				return { auth: SIGNED_OUT, batch: null };
			}
			if (revoked) {
				if (record.family) await oidc.rotation.revoke(record.family.id).catch(() => {});
				return ended();
			}
			memo.checkedAt = now;
			memo.epoch = epoch;
			memo.hotUntil = Math.min(now + interval, memo.refreshAt - REQUEST_HORIZON_MS);
		}

		if (now >= memo.refreshAt && now >= memo.retryAt) {
			const outcome = await refresher.refresh(record);
			if (outcome.kind === 'ended') return ended();
			if (outcome.kind === 'unavailable') return { auth: SIGNED_OUT, batch: null };
			if (outcome.kind === 'unchanged') memo.retryAt = outcome.retryAt;
			else {
				record = outcome.record;
				batch = new CookieBatch();
				try {
					expiresAt = await runtime.session.write(batch, url, record, read.present);
				} catch (error) {
					oidc.onError({ code: 'invalid_response', phase: 'refresh', message: 'the refreshed session does not fit in its cookie', cause: error });
					return ended();
				}
			}
		}

		if (read.reseal && batch === null) {
			// Rolling inactivity window: re-sealed at most once per rollingInterval, not on every request.
			batch = new CookieBatch();
			record = { ...record, touchedAt: clock() };
			expiresAt = await runtime.session.write(batch, url, record, read.present);
		}
		const carryOverState = await takeHandoffResult(event, url, record.id, state, (batch ??= new CookieBatch()));
		if (batch.size === 0) batch = null;
		return { auth: runtime.toAuth(record, expiresAt, carryOverState, requestAccessToken(record, url, read.present, late)), batch };
	}

	/** Consumes the result a handoff left for the request after its 303 (only when its cookie is there). */
	async function takeHandoffResult(
		event: RequestEvent,
		url: URL,
		sid: string,
		state: RequestState,
		batch: CookieBatch
	): Promise<Record<string, unknown> | null> {
		const header = event.request.headers.get('cookie') ?? '';
		if (!header.includes(runtime.handoffResult.marker)) return null;
		const attributes = runtime.session.attributes(url);
		const cookies = cookiesWithPrefix(header, runtime.handoffResult.marker);
		const { result, present } = await runtime.handoffResult.read(cookies, attributes);
		runtime.handoffResult.clear(batch, attributes, present);
		if (!result || result.sid !== sid) return null;
		state.handoffDone = true;
		return result.carryOverState;
	}

	/** The current session of a request the hook answers itself (callback, sign-out). */
	async function currentSession(event: RequestEvent, url: URL): Promise<{ record: SessionRecord | null; present: readonly string[] }> {
		const read = await runtime.session.read(event.request.headers.get('cookie'), url);
		if (read.kind === 'none') return { record: null, present: [] };
		return { record: read.kind === 'valid' ? read.record : null, present: read.present };
	}

	async function route(event: RequestEvent, path: string, url: URL): Promise<Response> {
		if (path === oidc.loginPath) return signIn(event, oidc);
		if (path === oidc.logoutPath) {
			const response = await signOut(event, oidc, await currentSession(event, url));
			// A copy of the signed-out cookie must not ride on this instance's cache until the next check.
			revocation.bump();
			return response;
		}
		if (path === oidc.backchannelLogoutPath) return backchannelLogout(event, oidc, verifyLogoutToken, revocation);
		const { response, auth } = await finishSignIn(event, oidc, await currentSession(event, url));
		if (auth) (event.locals as { auth?: ServerAuthContext }).auth = auth;
		return response;
	}

	return ({ event, resolve }) => {
		// Cookie attributes depend only on the origin's scheme and host: no URL is built per request.
		const url = runtime.origin ?? event.url;
		const path = event.url.pathname;
		if (oidc.checkOrigin && event.request.method !== 'GET' && path !== oidc.backchannelLogoutPath && isCrossSiteForm(event.request, oidc.appOrigin(event))) {
			return new Response(`Cross-site ${event.request.method} form submissions are forbidden`, { status: 403, headers: { 'content-type': 'text/plain' } });
		}
		if (owned.has(path) && (!callbackPaths.has(path) || isAuthorizationResponse(event.url.searchParams))) {
			return route(event, path, url);
		}
		const header = event.request.headers.get('cookie');
		const read = runtime.session.read(header, url);
		if (!(read instanceof Promise)) {
			// Hot path: no cookie, or a cached session that needs no write or check. No promise, no allocation.
			const auth = settled(read, header);
			if (auth) {
				(event.locals as { auth?: ServerAuthContext }).auth = auth;
				return resolve(event);
			}
		}
		return complete(event, resolve, read, header, url);
	};

	async function complete(
		event: RequestEvent,
		resolve: Resolve,
		pending: SessionRead | Promise<SessionRead>,
		header: string | null,
		url: URL
	): Promise<Response> {
		const late: LateCookies = Object.assign(new CookieBatch(), { sealed: false });
		const { auth, batch } = await authenticate(event, requestState(event.locals), await pending, header, url, late);
		(event.locals as { auth?: ServerAuthContext }).auth = auth;
		if (batch !== null) batch.applyTo(event.cookies);
		const response = await resolve(event);
		late.sealed = true;
		if (late.size === 0) return batch === null ? response : withNoStore(response);
		// A refresh getAccessToken() ran while the page was built: its cookie rides on this response.
		const marked = withNoStore(response);
		try {
			late.appendTo(marked.headers, event.cookies);
			return marked;
		} catch {
			const copy = new Response(marked.body, marked);
			late.appendTo(copy.headers, event.cookies);
			return copy;
		}
	}
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * SvelteKit's CSRF rule, for apps that hand the check to this hook (`checkOrigin`): SvelteKit 3's
 * stricter form, where a body without a content type counts as a form submission too.
 */
function isCrossSiteForm(request: Request, appOrigin: string): boolean {
	if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) return false;
	const header = request.headers.get('content-type');
	const type = (header ?? '').split(';', 1)[0].trim().toLowerCase();
	return (header === null || FORM_TYPES.includes(type)) && request.headers.get('origin') !== appOrigin;
}

/** Cookies a refresh during the request writes; `sealed` once the response has been built. */
type LateCookies = CookieBatch & { sealed: boolean };
