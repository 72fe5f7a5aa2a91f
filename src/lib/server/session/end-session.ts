import * as oauth from 'oauth4webapi';
import type { CookieBatch } from '../../cookies/cookie-batch.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { RefreshTokenStorageError } from '../../stores/refresh-token-family-store.js';
import { AuthError } from '../../errors.js';
import { describe } from '../http/protocol-errors.js';
import { issuerKey } from '../oidc/claims.js';
import { revokeToken } from '../oidc/revocation.js';
import type { Runtime } from '../runtime/runtime.js';
import { revokedTombstone } from './session-revocation.js';

/** What ending a session left for the caller (RP-initiated logout needs the server's metadata). */
export interface EndedSession {
	/** The authorization server's metadata, or null when discovery failed. */
	readonly as: oauth.AuthorizationServer | null;
	/** Whether the session was this issuer's (only then may its end-session endpoint be used). */
	readonly ownSession: boolean;
}

/**
 * Signs a user out: the one way a session ends on purpose. The session cookies are deleted, the
 * refresh-token family is revoked in the store (every instance refuses the session from its next
 * check; a family the store no longer knows, after a restart of the in-memory store, is recorded
 * revoked all the same), the newest refresh token is revoked at the authorization server (RFC 7009) when `revoke`
 * is set and the server has a revocation endpoint, and this instance re-checks every cached session,
 * so a copy of the signed-out cookie does not ride on its cache until the next interval.
 */
export async function endSession(
	runtime: Runtime,
	session: { readonly record: SessionRecord | null; readonly present: readonly string[]; readonly url: URL },
	batch: CookieBatch,
	options: { readonly revoke: boolean }
): Promise<EndedSession> {
	if (session.present.length > 0) runtime.session.clear(batch, session.url, session.present);
	const record = session.record;
	try {
		if (!record) return { as: null, ownSession: false };
		let as: oauth.AuthorizationServer | null = null;
		try {
			as = await runtime.discovery.get();
		} catch (error) {
			runtime.report({ code: error instanceof AuthError ? error.code : 'network_error', phase: 'sign-out', message: describe(error), cause: error });
		}
		const ownSession = record.idp !== undefined && issuerKey(record.idp.iss) === runtime.issuerKey;

		// The family's payload holds the newest refresh token; the cookie's may be a generation behind.
		let refreshToken = record.tokens?.refreshToken;
		let dpop = record.tokens?.dpop;
		if (record.family) {
			try {
				const family = await runtime.rotation.find(record.family.id);
				const stored = family && family.revokedAtMs === null ? await runtime.vault.open(family.payload) : null;
				if (stored?.refreshToken) refreshToken = stored.refreshToken;
				if (stored?.dpop) dpop = stored.dpop;
				const revoked = await runtime.rotation.revoke(record.family.id);
				if (revoked.outcome === 'unknown_family') await recordRevokedFamily(runtime, record.family, record.createdAt);
			} catch (error) {
				runtime.report({ code: 'store_unavailable', phase: 'sign-out', message: 'revoking the family failed', cause: error });
			}
		}
		// The session is cleared either way; a token the server fails to revoke lives until it expires.
		if (as && ownSession && refreshToken && options.revoke) await revokeToken(runtime, as, refreshToken, 'refresh_token', 'sign-out', dpop);
		return { as, ownSession };
	} finally {
		runtime.revocation.bump();
	}
}

/**
 * Leaves a revoked family under an id the store does not know (an in-memory store restarted, or a
 * shared one lost it), so a copy of the signed-out cookie is refused by the session check and the
 * refresher meets `revoked` instead of re-registering it from the copy (docs/SECURITY.md X3). It lives
 * as long as the session could: no copy outlives it. Registered revoked in one step, never as a live
 * family first, so no refresh can take a lease on it in between.
 */
async function recordRevokedFamily(runtime: Runtime, family: NonNullable<SessionRecord['family']>, createdAt: number): Promise<void> {
	const now = Math.floor(runtime.clock());
	const expiresAtMs = createdAt + runtime.sessionMaxAgeMs;
	if (expiresAtMs <= now) return; // every copy of the cookie has expired already
	try {
		await runtime.store.registerFamily(revokedTombstone(family.id, now, expiresAtMs, family.generation));
	} catch (error) {
		if (!(error instanceof RefreshTokenStorageError) || error.reason !== 'duplicate-family') throw error;
		// Re-registered in between (a refresh of another copy): revoke what is there now.
		await runtime.rotation.revoke(family.id);
	}
}
