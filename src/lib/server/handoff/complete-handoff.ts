import type { RequestEvent } from '@sveltejs/kit';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import { cookiesWithPrefix } from '../../cookies/handoff-result-cookie.js';
import { SessionTooLargeError, type SessionRecord } from '../../cookies/session-cookie.js';
import { randomToken } from '../../crypto/base64url.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import type { SignedInAuth } from '../auth-context.js';
import { DEFAULTS } from '../defaults.js';
import { handoffRedirectUri, type HandoffRuntime } from './handoff-options.js';
import { APP_INITIATED_PREFIX } from './start-handoff.js';
import { callVerifyEndpoint } from './verify-call.js';
import { oidcRuntimeFor } from '../oidc/default-runtime.js';

/** The outcome of one handoff; the cookie writes are in the batch either way. */
export type HandoffOutcome =
	| { readonly ok: true; readonly auth: SignedInAuth; readonly returnTo: string | null }
	| { readonly ok: false; readonly code: AuthErrorCode };

// Control characters and whitespace never occur in a token or state we accept.
const UNSAFE = /[\x00-\x20\x7f]/;

function fail(runtime: HandoffRuntime, code: AuthErrorCode, message: string, cause?: unknown): HandoffOutcome {
	try {
		runtime.onError({ code, message, ...(cause === undefined ? {} : { cause }) });
	} catch {
		// A throwing logger must not turn a clean rejection into a 500.
	}
	return { ok: false, code };
}

/**
 * Runs one handoff arrival: parameter checks, the browser binding, the verify call, the session
 * conflict rule, then a new session. Every check that can fail without the network runs before the
 * verify call. Nothing is written unless everything passed, except deleting the spent transaction.
 * Never throws: an unexpected fault is `server_error`, so the token still leaves the address bar.
 */
export async function completeHandoff(event: RequestEvent, runtime: HandoffRuntime, batch: CookieBatch): Promise<HandoffOutcome> {
	try {
		return await run(event, runtime, batch);
	} catch (error) {
		return fail(runtime, 'server_error', 'the handoff failed unexpectedly', error);
	}
}

async function run(event: RequestEvent, runtime: HandoffRuntime, batch: CookieBatch): Promise<HandoffOutcome> {
	const params = event.url.searchParams;
	const tokenParams = params.getAll('handoff_token');
	const states = params.getAll('state');
	if (tokenParams.length === 0 || tokenParams[0] === '') return fail(runtime, 'missing_token', 'the request has no handoff_token');
	// Duplicates are refused rather than resolved: which copy a proxy or a parser picks differs (H7).
	if (tokenParams.length > 1 || states.length > 1) return fail(runtime, 'invalid_request', 'handoff_token or state is repeated');
	const [token] = tokenParams;
	const state = states[0] ?? '';
	if (state === '') return fail(runtime, 'invalid_request', 'the request has no state');
	if (token.length > DEFAULTS.handoff.maxTokenLength || state.length > DEFAULTS.handoff.maxStateLength) {
		return fail(runtime, 'invalid_request', 'handoff_token or state is oversized');
	}
	if (UNSAFE.test(token) || UNSAFE.test(state)) return fail(runtime, 'invalid_request', 'handoff_token or state has control characters');

	const url = runtime.session.appUrl(event);
	const cookies = batchedCookies(event.cookies, batch);
	// Browser binding (H3): a state this app minted must come back to the browser that holds its
	// transaction; anything else is IdP-initiated and subject to the idpInitiated policy.
	const appInitiated = state.startsWith(APP_INITIATED_PREFIX);
	let returnTo: string | null = null;
	if (appInitiated) {
		const tx = await runtime.transactions.get(cookies, state, {
			issuer: runtime.issuer.href,
			clientId: runtime.clientId,
			redirectUri: handoffRedirectUri(runtime, url),
			kind: 'handoff'
		});
		runtime.transactions.delete(cookies, state);
		if (!tx) return fail(runtime, 'invalid_state', 'no transaction in this browser matches the handoff state');
		returnTo = tx.returnTo;
	} else if (runtime.idpInitiated === 'reject') {
		return fail(runtime, 'invalid_state', 'an IdP-initiated handoff arrived and idpInitiated is "reject"');
	}

	let current: SessionRecord | null = null;
	const read = await runtime.session.session.read(event.request.headers.get('cookie'), url);
	if (read.kind === 'valid') current = read.record;
	const present = read.kind === 'none' ? [] : read.present;

	let verified;
	try {
		verified = await callVerifyEndpoint({ ...runtime.verify, appOrigin: url.origin }, { token, state });
	} catch (error) {
		if (error instanceof AuthError) return fail(runtime, error.code, error.message, error.cause);
		return fail(runtime, 'verify_failed', 'the verify call failed unexpectedly', error);
	}

	// An unsolicited handoff never swaps the signed-in user for another (H3 b).
	if (current && current.user.id !== verified.user.id && !appInitiated && runtime.sessionConflict === 'reject') {
		return fail(runtime, 'session_conflict', 'a handoff for another user arrived in a signed-in browser');
	}

	const now = runtime.session.clock();
	const tokens = {
		accessToken: verified.accessToken,
		tokenType: verified.tokenType,
		expiresAt: now + verified.expiresIn * 1000,
		...(verified.refreshToken === undefined ? {} : { refreshToken: verified.refreshToken })
	};
	// With the app's createAuthHandle for this issuer, a refresh token gets a family of its own, so
	// the session refreshes under the same single-flight and replay rules as an OIDC sign-in.
	const oidc = oidcRuntimeFor(runtime.issuerId, runtime.clientId);
	let family: SessionRecord['family'];
	if (oidc && verified.refreshToken) {
		try {
			const registered = await oidc.rotation.register({
				familyId: randomToken(24),
				subject: verified.user.id,
				payload: await oidc.vault.seal(tokens, now + oidc.sessionMaxAgeMs),
				expiresAtMs: now + oidc.sessionMaxAgeMs
			});
			family = { id: registered.familyId, generation: registered.generation };
		} catch (error) {
			return fail(runtime, 'store_unavailable', 'registering the refresh-token family failed', error);
		}
	}
	// A new session id every time: nothing is adopted from a cookie the request arrived with (H12).
	const record: SessionRecord = {
		id: randomToken(16),
		source: 'handoff',
		user: verified.user,
		createdAt: now,
		touchedAt: now,
		tokens,
		...(family ? { family } : {}),
		idp: { iss: runtime.issuerId, sub: verified.user.id, sid: verified.session.id }
	};
	const writes = new CookieBatch();
	let expiresAt: number;
	try {
		expiresAt = await runtime.session.session.write(writes, url, record, present);
		const sessionBytes = writes.writes.reduce((sum, w) => sum + w.value.length, 0);
		const header = event.request.headers.get('cookie') ?? '';
		const results = runtime.session.handoffResult;
		const fits = await results.write(
			writes,
			runtime.session.session.attributes(url),
			{ sid: record.id, carryOverState: verified.carryOverState },
			{ maxBytes: DEFAULTS.cookie.maxTotalBytes - sessionBytes, present: [...cookiesWithPrefix(header, results.marker).keys()] }
		);
		if (!fits) return fail(runtime, 'invalid_response', 'the carry-over state is too large to deliver in cookies');
	} catch (error) {
		if (family && oidc) await oidc.rotation.revoke(family.id).catch(() => {});
		if (error instanceof SessionTooLargeError) return fail(runtime, 'invalid_response', 'the verified tokens are too large for the session cookie');
		return fail(runtime, 'server_error', 'writing the session failed', error);
	}
	// The session this browser had is over: its refresh token must not keep a copied cookie alive (S10).
	if (current?.family && oidc) await oidc.rotation.revoke(current.family.id).catch(() => {});
	batch.writes.push(...writes.writes);
	return { ok: true, auth: runtime.session.toAuth(record, expiresAt, verified.carryOverState), returnTo };
}
