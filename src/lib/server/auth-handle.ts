import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../cookies/cookie-batch.js';
import type { SessionRead } from '../cookies/session-cookie.js';
import { misuse } from '../errors.js';
import { SIGNED_OUT, type ServerAuthContext } from './auth-context.js';
import type { Handle } from './handle-type.js';
import { withNoStore } from './no-store.js';
import { requestState, type RequestState } from './request-state.js';
import { cookiesWithPrefix } from '../cookies/handoff-result-cookie.js';
import { createSessionRuntime, type SessionRuntimeOptions } from './session-runtime.js';
import { validateIssuer } from './issuer.js';

/** Options of {@link createAuthHandle}. */
export interface AuthHandleOptions extends SessionRuntimeOptions {
	/** The authorization server's issuer URL (required). */
	issuer: string;
	/** This app's OAuth client id at the issuer (required). */
	clientId: string;
	/**
	 * Paths on which a callback arrives (seed 001). A request on one of them that carries
	 * `handoff_token` is left to the handoff handler or the route's load function.
	 * Default `['/auth/callback']`.
	 */
	callbackPaths?: string[];
	/**
	 * **Development only.** Allows an `http:` issuer such as the embedded dev identity provider on
	 * 127.0.0.1. Logs a warning at startup; never enable it in production.
	 */
	allowInsecureRequests?: boolean;
}

/**
 * Creates the hook that reads the session cookie of every request into `event.locals.auth`: the
 * signed-in `{ user, session, isAuthenticated: true }`, or the signed-out value. A bad, expired or
 * tampered cookie never throws: it is deleted and the request continues signed out.
 *
 * ```ts
 * // src/hooks.server.ts
 * import { sequence } from '@sveltejs/kit/hooks';
 * import { createAuthHandle, createHandoffHandler } from 'sveltekit-sso/server';
 * export const handle = sequence(createAuthHandle({ issuer, clientId }), createHandoffHandler({ issuer, clientId }));
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_OPTION` / `ERR_MISSING_SECRET`) at construction for invalid options.
 */
export function createAuthHandle(options: AuthHandleOptions): Handle {
	const fn = 'createAuthHandle';
	if (!options || typeof options !== 'object') throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	validateIssuer(fn, options.issuer, options.allowInsecureRequests);
	if (typeof options.clientId !== 'string' || options.clientId === '') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clientId is required`);
	}
	const callbackPaths = options.callbackPaths ?? ['/auth/callback'];
	if (!Array.isArray(callbackPaths) || callbackPaths.some((p) => typeof p !== 'string' || !p.startsWith('/'))) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.callbackPaths must be a list of paths starting with '/'`);
	}
	const runtime = createSessionRuntime(fn, options);

	/** The signed-in or signed-out value when no cookie must be written; null otherwise. */
	function settled(read: SessionRead, header: string | null): ServerAuthContext | null {
		if (read.kind === 'none') return SIGNED_OUT;
		if (read.kind !== 'valid' || read.reseal || header?.includes(runtime.handoffResult.marker)) return null;
		// The same cookie as on the previous request: the same frozen auth value, built once.
		const memo = read.memo as { value?: ServerAuthContext };
		return (memo.value ??= runtime.toAuth(read.record, read.expiresAt));
	}

	async function authenticate(
		event: RequestEvent,
		state: RequestState,
		read: SessionRead,
		header: string | null,
		url: URL
	): Promise<{ auth: ServerAuthContext; batch: CookieBatch | null }> {
		const fast = settled(read, header);
		if (fast) return { auth: fast, batch: null };
		if (read.kind !== 'valid') {
			const batch = new CookieBatch();
			if (read.kind === 'invalid') runtime.session.clear(batch, url, read.present);
			return { auth: SIGNED_OUT, batch };
		}
		let batch: CookieBatch | null = null;
		let record = read.record;
		let expiresAt = read.expiresAt;
		if (read.reseal) {
			// Rolling inactivity window: re-sealed at most once per rollingInterval, not on every request.
			batch = new CookieBatch();
			record = { ...record, touchedAt: runtime.clock() };
			expiresAt = await runtime.session.write(batch, url, record, read.present);
		}
		const carryOverState = await takeHandoffResult(event, url, record.id, state, (batch ??= new CookieBatch()));
		if (batch.size === 0) batch = null;
		return { auth: runtime.toAuth(record, expiresAt, carryOverState), batch };
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

	return ({ event, resolve }) => {
		// Cookie attributes depend only on the origin's scheme and host: no URL is built per request.
		const url = runtime.origin ?? event.url;
		const header = event.request.headers.get('cookie');
		const read = runtime.session.read(header, url);
		if (!(read instanceof Promise)) {
			// Hot path: no cookie, or a cached session that needs no write. No promise, no allocation.
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
		resolve: Parameters<Handle>[0]['resolve'],
		pending: SessionRead | Promise<SessionRead>,
		header: string | null,
		url: URL
	): Promise<Response> {
		const { auth, batch } = await authenticate(event, requestState(event.locals), await pending, header, url);
		(event.locals as { auth?: ServerAuthContext }).auth = auth;
		if (batch === null) return resolve(event);
		batch.applyTo(event.cookies);
		return withNoStore(await resolve(event));
	}
}
