import { CookieBatch } from '../../cookies/cookie-batch.js';
import { SessionTooLargeError, type SessionRecord } from '../../cookies/session-cookie.js';
import { randomToken } from '../../crypto/base64url.js';
import { DEFAULTS } from '../../defaults.js';
import { AuthError } from '../../errors.js';
import type { AuthUser } from '../../types.js';
import type { StoredTokenSet } from '../refresh/token-vault.js';
import type { Runtime } from '../runtime/runtime.js';

/** Who signed in, as an OIDC callback or a verified handoff established it. */
export interface NewSession {
	readonly source: SessionRecord['source'];
	readonly user: AuthUser;
	readonly tokens: StoredTokenSet;
	/** The authorization server's view of the session, for refresh checks and back-channel logout. */
	readonly idp: NonNullable<SessionRecord['idp']>;
	/** How the user authenticated (the ID token's `acr` and `auth_time`), for step-up checks. */
	readonly authn?: SessionRecord['authn'];
	/** The IdP's session expiry (ms; IPSIE SL1 `session_expiry`): the session ends then at the latest. */
	readonly sessionExpiresAt?: number;
}

/** Where the new session is written. */
export interface SessionTarget {
	/** The URL cookie attributes are decided for (`runtime.cookieUrl(event)`). */
	readonly url: URL;
	/** The session cookies the request carried: those the new cookie does not overwrite are deleted. */
	readonly present: readonly string[];
	/** The session the browser had, if it was valid: its family ends once the new session is written. */
	readonly current: SessionRecord | null;
	/** The request's Cookie header (stale handoff-result chunks are found in it). */
	readonly cookieHeader: string;
}

/** A written session. */
export interface EstablishedSession {
	readonly record: SessionRecord;
	readonly expiresAt: number;
}

/**
 * Signs a user in: the one way an OIDC callback and a handoff create a session. In order:
 *
 * 1. a refresh token gets a family of its own in the family store, so the session refreshes under the
 *    single-flight and replay rules (RFC 9700 §4.14.2); a store failure fails closed;
 * 2. a new session id every time: nothing is adopted from the cookie the request arrived with
 *    (session fixation, docs/SECURITY.md H12);
 * 3. the session cookie (and, for a handoff, the result cookie that carries its outcome across the
 *    303) is sealed within the cookie budget; if that fails, the new family is revoked;
 * 4. the family of the session this browser had is revoked, so a copied cookie of it cannot refresh
 *    (docs/SECURITY.md S10).
 *
 * The cookie writes land in `batch` only when every step passed: nothing is half written.
 *
 * @throws AuthError `store_unavailable` (family registration), `invalid_response` (too large for the
 * cookie budget), `server_error` (anything else while writing).
 */
export async function establishSession(
	runtime: Runtime,
	session: NewSession,
	target: SessionTarget,
	batch: CookieBatch,
	handoff?: { readonly carryOverState: Record<string, unknown> | null }
): Promise<EstablishedSession> {
	const now = Math.floor(runtime.clock());
	if (session.sessionExpiresAt !== undefined && session.sessionExpiresAt <= now) {
		throw new AuthError('invalid_token', "the identity provider's session (session_expiry) has already ended");
	}
	// The family lives no longer than the session may (the IdP's session expiry included).
	const familyExpiresAt = Math.min(now + runtime.sessionMaxAgeMs, session.sessionExpiresAt ?? Infinity);
	let family: SessionRecord['family'];
	if (session.tokens.refreshToken) {
		try {
			const registered = await runtime.rotation.register({
				familyId: randomToken(24),
				subject: session.idp.sub,
				payload: await runtime.vault.seal(session.tokens, familyExpiresAt),
				expiresAtMs: familyExpiresAt
			});
			family = { id: registered.familyId, generation: registered.generation };
		} catch (cause) {
			// Without a family the refresh token could not be rotated safely: fail closed.
			throw new AuthError('store_unavailable', 'registering the refresh-token family failed', { cause });
		}
	}
	const record: SessionRecord = {
		id: randomToken(16),
		source: session.source,
		user: session.user,
		createdAt: now,
		touchedAt: now,
		tokens: session.tokens,
		...(family ? { family } : {}),
		idp: session.idp,
		...(session.authn && Object.keys(session.authn).length > 0 ? { authn: session.authn } : {}),
		...(session.sessionExpiresAt === undefined ? {} : { expiresCap: session.sessionExpiresAt })
	};

	const writes = new CookieBatch();
	let expiresAt: number;
	try {
		expiresAt = await runtime.session.write(writes, target.url, record, target.present);
		if (handoff) await writeHandoffResult(runtime, writes, target, record.id, handoff.carryOverState);
	} catch (error) {
		if (family) await runtime.rotation.revoke(family.id).catch(() => {});
		if (error instanceof AuthError) throw error;
		if (error instanceof SessionTooLargeError) throw new AuthError('invalid_response', 'the tokens are too large for the session cookie', { cause: error });
		throw new AuthError('server_error', 'writing the session failed', { cause: error });
	}
	if (target.current?.family && target.current.family.id !== family?.id) {
		await runtime.rotation.revoke(target.current.family.id).catch(() => {});
	}
	batch.writes.push(...writes.writes);
	return { record, expiresAt };
}

/** The handoff's outcome for the request after its 303, in what the session left of the cookie budget. */
async function writeHandoffResult(
	runtime: Runtime,
	writes: CookieBatch,
	target: SessionTarget,
	sid: string,
	carryOverState: Record<string, unknown> | null
): Promise<void> {
	const results = runtime.handoffResult;
	const sessionBytes = writes.writes.reduce((sum, w) => sum + w.value.length, 0);
	const present = [...results.cookiesIn(target.cookieHeader).keys()];
	const fits = await results.write(writes, runtime.session.attributes(target.url), { sid, carryOverState }, {
		maxBytes: DEFAULTS.cookie.maxTotalBytes - sessionBytes,
		present
	});
	if (!fits) throw new AuthError('invalid_response', 'the carry-over state is too large to deliver in cookies');
}
