import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import type { SealedSession, SessionRead, SessionRecord } from '../../cookies/session-cookie.js';
import { isEphemeralSecret } from '../../crypto/secret.js';
import { DEFAULTS } from '../../defaults.js';
import { warnOnce } from '../../environment.js';
import type { ServerAuthContext, SignedInAuth } from '../../types.js';
import { SIGNED_OUT } from './signed-out.js';
import { withNoStore } from '../http/responses.js';
import type { Runtime } from '../runtime/runtime.js';
import { takeHandoffResult } from './handoff-result.js';

type Resolve = (event: RequestEvent) => Response | Promise<Response>;
type Locals = { auth?: ServerAuthContext };

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
	/**
	 * This cookie value was found revoked (family revoked, logout recorded, a refresh that ended the
	 * session): final. A replay is signed out and cleared without asking the store again.
	 */
	revoked: boolean;
	checking?: Promise<boolean>;
	/**
	 * The cookie this one was re-sealed into, while that one is not due for a re-seal itself: a request
	 * that still carries this value (one sent before the browser stored the new cookie, or a replay) is
	 * given the same new cookie, not a new encryption and a new cache entry of its own.
	 */
	successor?: SealedSession & { readonly record: SessionRecord };
}

/** Cookies a refresh during the request writes; `sealed` once the response has been built. */
type LateCookies = CookieBatch & { sealed: boolean };

/**
 * Resolves the session of a request into `event.locals.auth`, then calls `resolve(event)`: the
 * signed-in `{ user, session, isAuthenticated: true, getAccessToken() }` or the signed-out value. A bad,
 * expired or tampered cookie never throws: it is deleted and the request continues signed out. When the
 * access token is within the refresh leeway it is refreshed first, once per session across concurrent
 * requests and instances, and the new cookie rides on this response.
 *
 * The hot path — no cookie, or a cached session needing no write, refresh or check — allocates
 * nothing and returns `resolve(event)` without a promise of its own.
 */
export function resolveSession(runtime: Runtime, event: RequestEvent, resolve: Resolve): Response | Promise<Response> {
	// Cookie attributes depend only on the origin's scheme and host: no URL is built per request.
	const url = runtime.cookieUrl(event);
	const header = event.request.headers.get('cookie');
	const read = runtime.session.read(header, url);
	if (!(read instanceof Promise)) {
		const auth = settled(runtime, read, header);
		if (auth) {
			(event.locals as Locals).auth = auth;
			return resolve(event);
		}
	}
	return complete(runtime, event, resolve, read, header, url);
}

/** The current session of a request an entry point answers itself (callback, sign-out, handoff). */
export async function currentSession(
	runtime: Runtime,
	event: Pick<RequestEvent, 'request' | 'url'>
): Promise<{ record: SessionRecord | null; present: readonly string[]; url: URL }> {
	const url = runtime.cookieUrl(event);
	const read = await runtime.session.read(event.request.headers.get('cookie'), url);
	if (read.kind === 'none') return { record: null, present: [], url };
	return { record: read.kind === 'valid' ? read.record : null, present: read.present, url };
}

function memoOf(runtime: Runtime, read: Extract<SessionRead, { kind: 'valid' }>): Memo {
	const slot = read.memo as { value?: Memo };
	// First sight in this process: checked on its first request.
	return (slot.value ??= newMemo(runtime, read.record, read.expiresAt, { retryAt: -Infinity, checkedAt: -Infinity, epoch: runtime.revocation.epoch }));
}

/**
 * The memo of a cookie value. `state` is where its checks stand: nothing yet for a cookie first seen,
 * or those of the cookie it re-seals — the same family, generation and identity-provider session, so
 * the same revocation verdict, and the check interval keeps counting from that cookie's last check
 * (a re-seal postpones no check; an epoch moved since still forces one).
 */
function newMemo(runtime: Runtime, record: SessionRecord, expiresAt: number, state: Pick<Memo, 'retryAt' | 'checkedAt' | 'epoch'>): Memo {
	const refreshAt = runtime.refresher.refreshAt(record);
	const checkable = runtime.revocation.isCheckable(record);
	const horizon = refreshAt - DEFAULTS.auth.requestHorizonMs;
	return {
		// toAuth's own getAccessToken never refreshes, which the shared value needs: it cannot write the
		// cookie, and a rotation the browser never learns of turns its cookie into a replay once the grace
		// window ends. The hot path serves this value only while the token is far from its refresh time.
		auth: runtime.toAuth(record, expiresAt, null),
		checkable,
		refreshAt,
		retryAt: state.retryAt,
		checkedAt: state.checkedAt,
		epoch: state.epoch,
		hotUntil: checkable ? Math.min(state.checkedAt + runtime.config.sessionCheckIntervalMs, horizon) : horizon,
		revoked: false
	};
}

/** The signed-in or signed-out value when no cookie must be written and no check is due; null otherwise. */
function settled(runtime: Runtime, read: SessionRead, header: string | null): ServerAuthContext | null {
	if (read.kind === 'none') return SIGNED_OUT;
	if (read.kind !== 'valid' || read.reseal || header?.includes(runtime.handoffResult.marker)) return null;
	// The same cookie as on the previous request: the same frozen auth value, built once.
	const memo = memoOf(runtime, read);
	if (runtime.clock() >= memo.hotUntil || (memo.checkable && memo.epoch !== runtime.revocation.epoch)) return null;
	return memo.auth;
}

/**
 * getAccessToken of one request: a refresh it runs writes the session cookie into `late`. Once the
 * response has left (`late.sealed`), it no longer refreshes: the new cookie could not reach the browser.
 */
function requestAccessToken(runtime: Runtime, start: SessionRecord, url: URL, present: readonly string[], late: LateCookies): () => Promise<string | null> {
	const { clock, refresher } = runtime;
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
	runtime: Runtime,
	event: RequestEvent,
	read: SessionRead,
	header: string | null,
	url: URL,
	late: LateCookies
): Promise<{ auth: ServerAuthContext; batch: CookieBatch | null }> {
	const fast = settled(runtime, read, header);
	if (fast) return { auth: fast, batch: null };
	if (read.kind !== 'valid') {
		const batch = new CookieBatch();
		if (read.kind === 'invalid') {
			runtime.session.clear(batch, url, read.present);
			if (isEphemeralSecret(runtime.config.secrets)) warnEphemeralMismatch();
		}
		return { auth: SIGNED_OUT, batch };
	}
	const { clock, revocation, refresher } = runtime;
	const interval = runtime.config.sessionCheckIntervalMs;
	const memo = memoOf(runtime, read);
	let record = read.record;
	let expiresAt = read.expiresAt;
	let batch: CookieBatch | null = null;
	const ended = () => {
		const clear = new CookieBatch();
		runtime.session.clear(clear, url, read.present);
		return { auth: SIGNED_OUT, batch: clear };
	};
	// The verdict on this exact cookie value is final: a replay costs no store round trip. (`hotUntil`
	// stays in the past, so the hot path never serves it.)
	const revoke = () => {
		memo.revoked = true;
		memo.hotUntil = -Infinity;
		return ended();
	};
	if (memo.revoked) return ended();

	const now = clock();
	if (memo.checkable && (now >= memo.checkedAt + interval || memo.epoch !== revocation.epoch)) {
		const epoch = revocation.epoch;
		let revoked: boolean;
		try {
			revoked = await (memo.checking ??= revocation.isRevoked(record).finally(() => (memo.checking = undefined)));
		} catch (error) {
			// The store is down: fail closed for this request (signed out) without deleting the cookie,
			// so the session comes back with the store (docs/SECURITY.md R6).
			runtime.report({ code: 'store_unavailable', phase: 'session-check', message: 'checking the session against the family store failed', cause: error });
			return { auth: SIGNED_OUT, batch: null };
		}
		if (revoked) {
			if (record.family) await runtime.rotation.revoke(record.family.id).catch(() => {});
			return revoke();
		}
		memo.checkedAt = now;
		memo.epoch = epoch;
		memo.hotUntil = Math.min(now + interval, memo.refreshAt - DEFAULTS.auth.requestHorizonMs);
	}

	if (now >= memo.refreshAt && now >= memo.retryAt) {
		const outcome = await refresher.refresh(record);
		if (outcome.kind === 'ended') return revoke();
		if (outcome.kind === 'unavailable') return { auth: SIGNED_OUT, batch: null };
		if (outcome.kind === 'unchanged') memo.retryAt = outcome.retryAt;
		else {
			record = outcome.record;
			batch = new CookieBatch();
			try {
				expiresAt = await runtime.session.write(batch, url, record, read.present);
			} catch (error) {
				runtime.report({ code: 'invalid_response', phase: 'refresh', message: 'the refreshed session does not fit in its cookie', cause: error });
				return ended();
			}
		}
	}

	// Rolling inactivity window: re-sealed at most once per rollingInterval, not on every request. Never
	// once the refresh is due or near: another request (here or on another instance) may be rotating
	// the family right now, and this record's generation, re-sealed and arriving after that request's
	// answer, would put the superseded generation back into the browser, a replay once the grace window
	// ends (the family is revoked, an honest user signed out). The refresh writes touchedAt itself.
	if (read.reseal && batch === null && clock() < memo.refreshAt - DEFAULTS.auth.requestHorizonMs) {
		batch = new CookieBatch();
		let successor = memo.successor;
		if (successor === undefined || runtime.session.dueForReseal(successor.record) || successor.expiresAt <= clock()) {
			const next = { ...record, touchedAt: clock() };
			// The browser's next request carries the new cookie: cached by seal, with this memo, it is a hit.
			const { value, expiresAt: until, memo: slot } = await runtime.session.seal(next);
			slot.value = newMemo(runtime, next, until, memo);
			successor = memo.successor = { value, expiresAt: until, record: next };
		}
		runtime.session.put(batch, url, successor, read.present);
		record = successor.record;
		expiresAt = successor.expiresAt;
	}
	const carryOverState = await takeHandoffResult(runtime, event, record.id, (batch ??= new CookieBatch()));
	if (batch.size === 0) batch = null;
	return { auth: runtime.toAuth(record, expiresAt, carryOverState, requestAccessToken(runtime, record, url, read.present, late)), batch };
}

async function complete(
	runtime: Runtime,
	event: RequestEvent,
	resolve: Resolve,
	pending: SessionRead | Promise<SessionRead>,
	header: string | null,
	url: URL
): Promise<Response> {
	const late: LateCookies = Object.assign(new CookieBatch(), { sealed: false });
	const { auth, batch } = await authenticate(runtime, event, await pending, header, url, late);
	(event.locals as Locals).auth = auth;
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

// A cookie that does not open while the hooks run on the ephemeral development secret was almost
// always sealed with the real one: a test's mintSessionCookie({ secret: AUTH_SECRET }), or AUTH_SECRET
// kept in .env, which `vite dev` gives to $env/dynamic/private and not to process.env.
function warnEphemeralMismatch(): void {
	warnOnce(
		'ephemeral-secret-mismatch',
		'a session cookie did not open: this server uses an ephemeral development secret because neither options.secret nor process.env.AUTH_SECRET is set. If AUTH_SECRET is in .env, pass it: secret: env.AUTH_SECRET, with env from $env/dynamic/private.'
	);
}
