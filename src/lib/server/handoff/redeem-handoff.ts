import type { RequestEvent } from '@sveltejs/kit';
import { batchedCookies, type CookieBatch } from '../../cookies/cookie-batch.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { DEFAULTS } from '../../defaults.js';
import { AuthError, type AuthErrorCode } from '../../errors.js';
import type { SignedInAuth } from '../../types.js';
import { handoffRedirectUri, type HandoffConfig } from '../config/handoff-config.js';
import { cleanSelfUrl } from '../http/return-to.js';
import { scrubTracedUrl } from '../http/trace-scrub.js';
import type { Runtime } from '../runtime/runtime.js';
import { establishSession } from '../session/establish-session.js';
import { APP_INITIATED_PREFIX } from './start.js';
import { verifyBudget } from './verify-budget.js';
import { callVerifyEndpoint } from './verify-call.js';

/** The outcome of one handoff; the cookie writes are in the batch either way. */
export type HandoffOutcome =
	| { readonly ok: true; readonly auth: SignedInAuth; readonly returnTo: string | null }
	| { readonly ok: false; readonly code: AuthErrorCode };

/** What a request carrying `handoff_token` came to. */
export type Redemption =
	/** A HEAD or a prefetch: answered without touching the one-time token; a real navigation follows. */
	| { readonly kind: 'deferred' }
	/** Not a GET: the token is not this request's to redeem. */
	| { readonly kind: 'not-redeemed' }
	/** The token was redeemed (or refused); `clean` is this URL without the handoff parameters. */
	| { readonly kind: 'redeemed'; readonly outcome: HandoffOutcome; readonly clean: string };

const HANDOFF_PARAMS = ['handoff_token', 'state'];
// Control characters and whitespace never occur in a token or state we accept.
const UNSAFE = /[\x00-\x20\x7f]/;
// What a handoff token can be: `sveltekit-sso/provider` mints base64url "." base64url, and real
// servers mint base64url, JWS-compact or hex strings; RFC 3986 unreserved characters cover them all
// and leave room for another server's opaque format. Anything else cannot be genuine (X5).
const TOKEN_FORMAT = /^[A-Za-z0-9._~-]+$/;

/** Link scanners and speculative loads must not spend a one-time token (docs/SECURITY.md H5). */
function isPrefetch(request: Request): boolean {
	const purpose = request.headers.get('sec-purpose') ?? request.headers.get('purpose') ?? '';
	return /prefetch|prerender/i.test(purpose);
}

/**
 * Redeems the handoff in a request URL: the one place the one-time token is spent, so every entry
 * point (the hook, the route form `verifyHandoffToken`, any later one) applies the same guards:
 * the token never reaches an exported trace (H13); a HEAD or a prefetch never spends it (H5); only a
 * GET redeems it; then every check of {@link completeHandoff}.
 */
export async function redeemHandoff(event: RequestEvent, config: HandoffConfig, runtime: Runtime, batch: CookieBatch): Promise<Redemption> {
	const clean = cleanSelfUrl(runtime.appUrl(event), HANDOFF_PARAMS);
	scrubTracedUrl(event, clean);
	const method = event.request.method;
	if (method === 'HEAD' || isPrefetch(event.request)) {
		runtime.report({ code: 'invalid_request', phase: 'handoff', message: 'a HEAD or prefetch request does not redeem a handoff token' });
		return { kind: 'deferred' };
	}
	if (method !== 'GET') return { kind: 'not-redeemed' };
	return { kind: 'redeemed', outcome: await completeHandoff(event, config, runtime, batch), clean };
}

function fail(runtime: Runtime, code: AuthErrorCode, message: string, cause?: unknown): HandoffOutcome {
	runtime.report({ code, phase: 'handoff', message, ...(cause === undefined ? {} : { cause }) });
	return { ok: false, code };
}

/**
 * Runs one handoff arrival: parameter checks, the browser binding, the verify call, the session
 * conflict rule, then a new session. Every check that can fail without the network runs before the
 * verify call. Nothing is written unless everything passed, except deleting the spent transaction.
 * Never throws: an unexpected fault is `server_error`, so the token still leaves the address bar.
 */
async function completeHandoff(event: RequestEvent, config: HandoffConfig, runtime: Runtime, batch: CookieBatch): Promise<HandoffOutcome> {
	try {
		return await run(event, config, runtime, batch);
	} catch (error) {
		return fail(runtime, 'server_error', 'the handoff failed unexpectedly', error);
	}
}

async function run(event: RequestEvent, config: HandoffConfig, runtime: Runtime, batch: CookieBatch): Promise<HandoffOutcome> {
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
	// The answer the verify endpoint would give, without spending a call on it (X5).
	if (token.length < DEFAULTS.handoff.minTokenLength || !TOKEN_FORMAT.test(token)) {
		return fail(runtime, 'invalid_token', 'handoff_token is not in the format of a handoff token');
	}

	const { shared } = config;
	const url = runtime.appUrl(event);
	const cookies = batchedCookies(event.cookies, batch);
	// Browser binding (H3): a state this app minted must come back to the browser that holds its
	// transaction; anything else is IdP-initiated and subject to the idpInitiated policy.
	const appInitiated = state.startsWith(APP_INITIATED_PREFIX);
	let returnTo: string | null = null;
	let codeVerifier: string | undefined;
	if (appInitiated) {
		const tx = await runtime.transactions.get(cookies, state, {
			issuer: shared.issuer.href,
			clientId: shared.clientId,
			redirectUri: handoffRedirectUri(config, url),
			kind: 'handoff'
		});
		runtime.transactions.delete(cookies, state);
		if (!tx) return fail(runtime, 'invalid_state', 'no transaction in this browser matches the handoff state');
		returnTo = tx.returnTo;
		if (config.pkce) codeVerifier = tx.codeVerifier;
	} else if (config.idpInitiated === 'reject') {
		return fail(runtime, 'invalid_state', 'an IdP-initiated handoff arrived and idpInitiated is "reject"');
	}

	const cookieUrl = runtime.cookieUrl(event);
	const header = event.request.headers.get('cookie');
	const read = await runtime.session.read(header, cookieUrl);
	const current: SessionRecord | null = read.kind === 'valid' ? read.record : null;
	const present = read.kind === 'none' ? [] : read.present;
	const conflictRule = !appInitiated && config.sessionConflict === 'reject';
	// An unreadable or duplicated session cookie is someone's (docs/SECURITY.md X2): a cookie tossed
	// from a sibling domain makes a signed-in victim's session read as invalid, and treating that as
	// "nobody" would let an unsolicited handoff swap the victim's session. Only a browser with no
	// session cookie at all counts as signed out. No user id is needed, so no verify call is spent.
	if (read.kind === 'invalid' && conflictRule) {
		return fail(runtime, 'session_conflict', 'a handoff arrived in a browser whose session cookie cannot be read');
	}

	// The last check before the network: a bounded number of verify calls per client and second (X5).
	if (!verifyBudget.take(`${config.verifyUrl.href} ${shared.clientId}`, runtime.clock())) {
		return fail(runtime, 'rate_limited', 'too many handoff verify calls for this client in this process');
	}

	let verified;
	try {
		verified = await callVerifyEndpoint(
			{
				url: config.verifyUrl,
				clientId: shared.clientId,
				// The runtime's: a clientAuth given to any entry point of this issuer and client serves all.
				clientAuth: runtime.config.clientAuth,
				// The runtime's too: a fetch or timeout given to createAuthHandle serves a handler that left it out.
				fetch: runtime.config.fetch,
				timeoutMs: runtime.config.timeoutMs,
				appOrigin: url.origin,
				protocol: config.verifyProtocol,
				dpopNonces: runtime.dpopNonces,
				clock: runtime.clock
			},
			{ token, state, ...(codeVerifier === undefined ? {} : { codeVerifier }) }
		);
	} catch (error) {
		if (error instanceof AuthError) return fail(runtime, error.code, error.message, error.cause);
		return fail(runtime, 'verify_failed', 'the verify call failed unexpectedly', error);
	}

	// An unsolicited handoff never swaps the signed-in user for another (H3 b).
	if (current && current.user.id !== verified.user.id && conflictRule) {
		return fail(runtime, 'session_conflict', 'a handoff for another user arrived in a signed-in browser');
	}

	const now = Math.floor(runtime.clock());
	try {
		const { record, expiresAt } = await establishSession(
			runtime,
			{
				source: 'handoff',
				user: verified.user,
				tokens: {
					accessToken: verified.accessToken,
					tokenType: verified.tokenType,
					expiresAt: now + verified.expiresIn * 1000,
					// The lifetime caps the refresh leeway at half of it (refresher.ts): without it a token
					// shorter than the leeway would be refreshed on every request.
					issuedAt: now,
					...(verified.refreshToken === undefined ? {} : { refreshToken: verified.refreshToken }),
					// Sealed with the session, never in a cookie in a form that decodes (docs/SECURITY.md D2).
					...(verified.dpop === undefined ? {} : { dpop: verified.dpop })
				},
				idp: { iss: shared.issuerId, sub: verified.user.id, sid: verified.session.id },
				...(verified.sessionExpiresAt === undefined ? {} : { sessionExpiresAt: verified.sessionExpiresAt })
			},
			{ url: cookieUrl, present, current, cookieHeader: header ?? '' },
			batch,
			{ carryOverState: verified.carryOverState }
		);
		return { ok: true, auth: runtime.toAuth(record, expiresAt, verified.carryOverState), returnTo };
	} catch (error) {
		if (error instanceof AuthError) return fail(runtime, error.code, error.message, error.cause);
		throw error;
	}
}
