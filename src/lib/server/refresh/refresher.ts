import { warnOnce } from '../../environment.js';
import * as oauth from 'oauth4webapi';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { randomToken } from '../../crypto/base64url.js';
import type { AuthErrorCode } from '../../errors.js';
import { RefreshTokenStorageError, type RefreshTokenFamily } from '../../stores/refresh-token-family-store.js';
import { DEFAULTS } from '../../defaults.js';
import { refreshedIdTokenMismatch, storedIdTokenClaims } from '../oidc/claims.js';
import type { Clock } from '../../clock.js';
import type { RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import type { AuthUser } from '../../types.js';
import type { DpopNonceMemory } from '../../crypto/dpop/dpop-nonce-memory.js';
import { retryOnceOnDpopNonce } from '../../crypto/dpop/oauth4webapi-dpop.js';
import type { Discovery, ServerConnection } from '../http/discovery.js';
import { oidcRequestOptions, requireDpopTokenType, sessionDpopKey } from '../oidc/dpop-binding.js';
import type { ErrorReporter } from '../http/error-reporter.js';
import { describe, isTransient, tokenEndpointErrorCode } from '../http/protocol-errors.js';
import type { OidcClaims } from '../oidc/claims.js';
import { revokeDiscarded, tokensOfRefusedAnswer } from '../oidc/revocation.js';
import type { RefreshTokenFamilyRotation } from './rotation.js';
import type { TokenVault } from './token-vault.js';
import type { StoredTokenSet } from './token-vault.js';

/** What a refresher works with: the runtime of one issuer and client provides all of it. */
export interface RefresherDeps {
	readonly store: RefreshTokenFamilyStore;
	readonly rotation: RefreshTokenFamilyRotation;
	readonly vault: TokenVault;
	readonly clock: Clock;
	readonly discovery: Discovery;
	readonly connection: ServerConnection;
	readonly client: oauth.Client;
	readonly clientAuth: oauth.ClientAuth;
	/** The last `DPoP-Nonce` of each server (RFC 9449 §8), shared with every other DPoP sender. */
	readonly dpopNonces: DpopNonceMemory;
	readonly refreshLeewayMs: number;
	readonly refreshGraceMs: number;
	readonly refreshWaitMs: number;
	readonly sessionMaxAgeMs: number;
	readonly userFromClaims: (claims: OidcClaims) => AuthUser;
	readonly report: ErrorReporter;
}

/** What a refresh did to a session. */
export type RefreshOutcome =
	/** A newer token set: write `record` (a new generation, or one adopted from another request). */
	| { readonly kind: 'refreshed'; readonly record: SessionRecord }
	/** Nothing to write: the session goes on with its tokens; try again after `retryAt`. */
	| { readonly kind: 'unchanged'; readonly retryAt: number }
	/** The session is over (invalid_grant, replay, revoked family, a refreshed ID token for someone else). */
	| { readonly kind: 'ended'; readonly code: AuthErrorCode }
	/** The family store failed: no token request was made; the request goes on signed out (fail closed, R6). */
	| { readonly kind: 'unavailable' };

export interface Refresher {
	/** When `record` needs a refresh (ms since the epoch); Infinity when it cannot be refreshed. */
	refreshAt(record: SessionRecord): number;
	/** Refreshes `record` once per family generation across concurrent callers and instances. */
	refresh(record: SessionRecord): Promise<RefreshOutcome>;
}

type Refreshable = SessionRecord & {
	readonly tokens: StoredTokenSet & { readonly refreshToken: string };
	readonly family: { readonly id: string; readonly generation: number };
	readonly idp: { readonly iss: string; readonly sub: string; readonly sid?: string };
};

// Remembered per process: the newest generation this instance committed or adopted for a family, so a
// request still carrying the previous cookie (it raced the refresh) adopts it without a store call.
const LATEST_LIMIT = DEFAULTS.refresh.memoryLimit;

/**
 * Rotation-safe refresh (RFC 9700 §4.14.2) on top of `createRefreshTokenFamilyRotation`:
 *
 * - **In this process**, concurrent requests of one session share one promise per family generation.
 * - **Across instances**, the family's lease decides who redeems the refresh token: the holder calls
 *   the token endpoint and commits generation + 1; the others wait (at most `refreshWaitMs`) and
 *   adopt the committed token set. A refresh token is never redeemed twice: without a lease there is
 *   no token request, and a store failure means no token request (fail closed, R6).
 * - A cookie one generation behind within `refreshGraceMs` of the rotation adopts the current tokens;
 *   anything older is a replay: the family is revoked and the session ends (R2).
 * - `invalid_grant` revokes the family and ends the session, with no retry (R7). A 5xx, timeout or
 *   network failure gives the lease back and keeps the session; the next attempt waits
 *   `retryAfterMs`.
 * - A refreshed ID token must name the same `iss`, `sub` and `aud` as the original (I9, R5).
 * - A response without a new refresh token keeps the previous one (R4).
 * - `unknown_family` for a cookie that still holds its sealed refresh token (the in-memory store lost
 *   its families in a restart) re-registers the family from the cookie, at the cookie's generation
 *   and with no grace window, so a restart does not sign users out while their refresh tokens live.
 *
 * Why re-registering does not reopen replay: the store's generation check is only the first line; the
 * authorization server's own reuse detection is the second, and it survives the restart. If the first
 * cookie to arrive after the restart is a stale copy (generation g-1), its refresh token was already
 * rotated away, so the server answers `invalid_grant` (and, with rotation, revokes the whole grant):
 * the family is revoked here and the holder of the newest cookie is signed out at its next refresh —
 * a stolen copy never obtains tokens. If the newest cookie arrives first, the family is recreated at
 * generation g with its rotation time outside the grace window, so a stale copy arriving later is a
 * replay, exactly as before the restart. What a restart does lose with the in-memory store: families
 * revoked before it (a sign-out, a replay) and back-channel logouts; their cookies stay readable until
 * the access token needs a refresh, which the server then refuses. Use a shared, durable store
 * (Redis, Postgres) when that matters.
 */
export function createRefresher(runtime: RefresherDeps): Refresher {
	const inflight = new Map<string, Promise<RefreshOutcome>>();
	// Per family generation: no token request before this (after a transient failure), whoever asks.
	const backoff = new Map<string, number>();
	const latest = new Map<string, { generation: number; tokens: StoredTokenSet; rotatedAtMs: number; user: SessionRecord['user'] }>();
	const { rotation, store, vault, clock } = runtime;

	function remember(familyId: string, entry: { generation: number; tokens: StoredTokenSet; rotatedAtMs: number; user: SessionRecord['user'] }) {
		const known = latest.get(familyId);
		if (known && known.generation >= entry.generation) return;
		if (latest.size >= LATEST_LIMIT) latest.delete(latest.keys().next().value as string);
		latest.set(familyId, entry);
	}

	function refreshable(record: SessionRecord): record is Refreshable {
		return (
			record.family !== undefined &&
			record.idp !== undefined &&
			typeof record.tokens?.refreshToken === 'string' &&
			record.tokens.refreshToken !== ''
		);
	}

	function refreshAt(record: SessionRecord): number {
		if (!refreshable(record)) return Infinity;
		const { expiresAt, issuedAt } = record.tokens;
		const lifetime = typeof issuedAt === 'number' ? expiresAt - issuedAt : Infinity;
		// Never more than half the lifetime, so a short-lived token is not refreshed on every request.
		const leeway = Math.max(0, Math.min(runtime.refreshLeewayMs, lifetime / 2));
		return expiresAt - leeway;
	}

	/**
	 * The grace window for this token set: `refreshGraceMs`, but never more than a quarter of the
	 * access token's lifetime. The current generation cannot be refreshed inside the window (a cookie one
	 * generation behind adopts it instead), and refresh is due at half the lifetime at the latest
	 * (refreshAt), so a window longer than that would let a short-lived access token expire while the
	 * session waits, and getAccessToken() would answer null although a refresh would succeed.
	 */
	function graceFor(tokens: StoredTokenSet): number {
		const lifetime = typeof tokens.issuedAt === 'number' ? tokens.expiresAt - tokens.issuedAt : Infinity;
		return Math.max(0, Math.min(runtime.refreshGraceMs, Math.floor(lifetime / 4)));
	}

	function withTokens(record: Refreshable, generation: number, tokens: StoredTokenSet, user = record.user): SessionRecord {
		return { ...record, user, touchedAt: Math.floor(clock()), tokens, family: { id: record.family.id, generation } };
	}

	async function end(record: Refreshable, code: AuthErrorCode, message: string, cause?: unknown): Promise<RefreshOutcome> {
		runtime.report({ code, phase: 'refresh', message, ...(cause === undefined ? {} : { cause }) });
		try {
			await rotation.revoke(record.family.id);
		} catch (error) {
			runtime.report({ code: 'store_unavailable', phase: 'refresh', message: 'revoking the family failed', cause: error });
		}
		return { kind: 'ended', code };
	}

	/** After a transient failure: retry soon when the access token is about to expire, else after retryAfterMs. */
	function retryLater(record: Refreshable): RefreshOutcome {
		const now = clock();
		const remaining = record.tokens.expiresAt - now;
		return { kind: 'unchanged', retryAt: now + Math.min(DEFAULTS.refresh.retryAfterMs, Math.max(250, remaining / 2)) };
	}

	function unavailable(cause: unknown): RefreshOutcome {
		runtime.report({ code: 'store_unavailable', phase: 'refresh', message: 'the refresh-token family store failed', cause });
		return { kind: 'unavailable' };
	}

	/** Adopts the family's current token set (someone else just rotated). */
	async function adopt(record: Refreshable, family: RefreshTokenFamily): Promise<RefreshOutcome> {
		const generation = record.family.generation;
		if (family.generation === generation) {
			// The cookie already holds the current generation, rotated within the grace window: nothing
			// newer exists yet. Go on with the cookie's tokens and try after the window.
			return { kind: 'unchanged', retryAt: family.rotatedAtMs + graceFor(record.tokens) + 1 };
		}
		const tokens = await vault.open(family.payload);
		if (!tokens) return end(record, 'invalid_token', 'the family payload does not open with this secret');
		const known = latest.get(record.family.id);
		const user = known && known.generation === family.generation ? known.user : record.user;
		remember(record.family.id, { generation: family.generation, tokens, rotatedAtMs: family.rotatedAtMs, user });
		return { kind: 'refreshed', record: withTokens(record, family.generation, tokens, user) };
	}

	/** Re-creates a family the store does not know, from the cookie that still holds its tokens. */
	async function reRegister(record: Refreshable): Promise<'registered' | 'expired'> {
		const now = Math.floor(clock());
		const expiresAtMs = record.createdAt + runtime.sessionMaxAgeMs;
		if (expiresAtMs <= now) return 'expired';
		const payload = await vault.seal(record.tokens, expiresAtMs);
		if (store.kind === 'memory') {
			// The one sign the SDK gets that the in-memory default is shared by several instances.
			warnOnce(
				'memory-family-store-unknown',
				'a session arrived whose refresh-token family this process does not know. After a restart that is expected; if the app runs on more than one instance, the in-memory family store breaks refresh single flight and logout across them: pass familyStore from sveltekit-sso/redis or sveltekit-sso/postgres.'
			);
		}
		try {
			await store.registerFamily({
				familyId: record.family.id,
				subject: record.idp.sub,
				generation: record.family.generation,
				payload,
				previousPayload: null,
				// Outside any grace window: a cookie one generation behind is a replay, not an adoption.
				rotatedAtMs: now - runtime.refreshGraceMs - 1,
				lease: null,
				revokedAtMs: null,
				createdAtMs: now,
				expiresAtMs
			});
		} catch (error) {
			// Another request or instance registered it first: carry on with the lease.
			if (!(error instanceof RefreshTokenStorageError) || error.reason !== 'duplicate-family') throw error;
		}
		return 'registered';
	}

	/** Holds the lease on the cookie's generation: redeem the refresh token once and commit. */
	async function redeem(record: Refreshable, family: RefreshTokenFamily, leaseId: string): Promise<RefreshOutcome> {
		const generation = record.family.generation;
		// The store's copy is authoritative; the cookie's is the same generation, kept as a fallback.
		const current = (await vault.open(family.payload)) ?? record.tokens;
		const refreshToken = current.refreshToken ?? record.tokens.refreshToken;
		const release = async () => {
			try {
				await rotation.releaseLease(record.family.id, leaseId);
			} catch {
				// The lease runs out by itself.
			}
		};

		let as: oauth.AuthorizationServer;
		try {
			as = await runtime.discovery.get();
		} catch (error) {
			await release();
			runtime.report({ code: tokenEndpointErrorCode(error), phase: 'refresh', message: describe(error), cause: error });
			return retryLater(record);
		}

		let result: oauth.TokenEndpointResponse;
		let copy: Response | undefined;
		// A DPoP-bound session proves with its own key, whichever instance refreshes: the key travels in
		// the family payload (RFC 9449 §5: the new tokens are bound to the key of this proof).
		const dpop = current.dpop ?? record.tokens.dpop;
		try {
			const key = dpop === undefined ? undefined : await sessionDpopKey(dpop);
			result = await retryOnceOnDpopNonce(async () => {
				const response = await oauth.refreshTokenGrantRequest(as, runtime.client, runtime.clientAuth, refreshToken, oidcRequestOptions(runtime, key));
				// A 200 whose ID token fails a check carries a new live refresh token: kept to revoke it.
				copy = response.clone();
				return oauth.processRefreshTokenResponse(as, runtime.client, response);
			});
			if (key !== undefined) requireDpopTokenType(result.token_type);
		} catch (error) {
			const code = tokenEndpointErrorCode(error);
			// 5xx, timeout, network: keep the session and its refresh token; retry later (R7). The same
			// for invalid_client: the server refused the app's own authentication before it looked at
			// the grant (RFC 6749 §5.2), so the refresh token is unspent and works once the
			// configuration is fixed; ending every session for a deployment mistake helps no one.
			if (code === 'invalid_client' || (code !== 'invalid_grant' && isTransient(error))) {
				runtime.discovery.invalidate();
				await release();
				runtime.report({ code, phase: 'refresh', message: describe(error), cause: error });
				return retryLater(record);
			}
			// invalid_grant (revoked grant, reused token), or an answer that cannot be trusted: the refresh
			// token may already be spent, so it is never sent again. What a refused 200 carried is revoked.
			const ended = await end(record, code, `refresh failed: ${describe(error)}`, error);
			if (copy) await revokeDiscarded(runtime, as, { ...(await tokensOfRefusedAnswer(copy)), dpop }, 'refresh');
			return ended;
		}

		const claims = oauth.getValidatedIdTokenClaims(result) as Record<string, unknown> | undefined;
		if (claims) {
			const mismatch = refreshedIdTokenMismatch(
				{ iss: record.idp.iss, sub: record.idp.sub, claims: storedIdTokenClaims(current.idToken ?? record.tokens.idToken) },
				claims
			);
			if (mismatch) {
				const ended = await end(record, 'invalid_token', `the refreshed ID token names another "${mismatch}"`);
				await revokeDiscarded(runtime, as, { refreshToken: result.refresh_token, accessToken: result.access_token, dpop }, 'refresh');
				return ended;
			}
		}

		const now = Math.floor(clock());
		const lifetime = typeof result.expires_in === 'number' ? result.expires_in * 1000 : DEFAULTS.oidc.defaultAccessTokenLifetimeMs;
		const tokens: StoredTokenSet = {
			accessToken: result.access_token,
			tokenType: dpop === undefined ? result.token_type : 'DPoP',
			expiresAt: now + lifetime,
			issuedAt: now,
			// RFC 6749 §6: without a new refresh token the previous one stays valid (R4).
			refreshToken: result.refresh_token ?? refreshToken,
			...(result.id_token !== undefined ? { idToken: result.id_token } : current.idToken ? { idToken: current.idToken } : {}),
			...(result.scope !== undefined ? { scope: result.scope } : current.scope ? { scope: current.scope } : {}),
			...(dpop === undefined ? {} : { dpop })
		};
		let user = record.user;
		if (claims) {
			try {
				user = { ...runtime.userFromClaims(claims as never), id: record.user.id };
			} catch {
				// Keep the profile the session started with.
			}
		}

		let rotated;
		try {
			rotated = await rotation.rotate(record.family.id, { leaseId, generation, payload: await vault.seal(tokens, family.expiresAtMs) });
		} catch (error) {
			// The server rotated but the store did not record it (R3): the new tokens are dropped and the
			// next refresh meets invalid_grant, a clean re-login. Never two refresh tokens for one generation.
			return unavailable(error);
		}
		if (rotated.outcome !== 'rotated') {
			return end(record, 'session_revoked', `the family was ${rotated.outcome === 'replayed' ? 'taken over' : rotated.outcome} during the refresh`);
		}
		remember(record.family.id, { generation: rotated.family.generation, tokens, rotatedAtMs: rotated.family.rotatedAtMs, user });
		return { kind: 'refreshed', record: withTokens(record, rotated.family.generation, tokens, user) };
	}

	async function run(record: Refreshable): Promise<RefreshOutcome> {
		const familyId = record.family.id;
		const generation = record.family.generation;
		const known = latest.get(familyId);
		if (known && known.generation === generation + 1 && clock() - known.rotatedAtMs < graceFor(record.tokens)) {
			// Adopting from memory still asks the store whether the family lives: a copy of a cookie
			// one generation behind must not get fresh tokens after a sign-out (S10).
			let family;
			try {
				family = await rotation.find(familyId);
			} catch (error) {
				return unavailable(error);
			}
			if (!family || family.revokedAtMs !== null) {
				latest.delete(familyId);
				return { kind: 'ended', code: 'session_revoked' };
			}
			return { kind: 'refreshed', record: withTokens(record, known.generation, known.tokens, known.user) };
		}
		// Discovery before the lease: the lease must cover only the token request and the commit (R1).
		try {
			await runtime.discovery.get();
		} catch (error) {
			runtime.report({ code: tokenEndpointErrorCode(error), phase: 'refresh', message: describe(error), cause: error });
			return retryLater(record);
		}
		const leaseId = randomToken(16);
		const deadline = clock() + runtime.refreshWaitMs;
		let registered = false;
		for (let attempt = 0; attempt < 4; attempt++) {
			let lease;
			try {
				lease = await rotation.acquireLease(familyId, { generation, leaseId, graceMs: graceFor(record.tokens) });
			} catch (error) {
				return unavailable(error);
			}
			switch (lease.outcome) {
				case 'leased':
					return redeem(record, lease.family, leaseId);
				case 'adopt':
					return adopt(record, lease.family);
				case 'replayed':
					runtime.report({ code: 'session_revoked', phase: 'refresh', message: 'a superseded session cookie was presented; the family is revoked' });
					return { kind: 'ended', code: 'session_revoked' };
				case 'revoked':
					return { kind: 'ended', code: 'session_revoked' };
				case 'unknown_family': {
					// Only the in-memory store loses families (a restart): a shared store that does not know
					// one had it evicted, flushed or deleted on purpose, and rebuilding it from a cookie copy
					// would undo that revocation.
					if (registered || store.kind !== 'memory') return { kind: 'ended', code: 'session_revoked' };
					registered = true;
					try {
						if ((await reRegister(record)) === 'expired') return { kind: 'ended', code: 'token_expired' };
					} catch (error) {
						return unavailable(error);
					}
					continue;
				}
				case 'busy': {
					const remaining = deadline - clock();
					if (remaining <= 0) return { kind: 'unchanged', retryAt: clock() + 250 };
					let family;
					try {
						family = await rotation.waitForRotation(familyId, {
							fromGeneration: generation,
							timeoutMs: remaining,
							pollMs: DEFAULTS.refresh.waitPollMs,
							firstPollMs: DEFAULTS.refresh.waitFirstPollMs
						});
					} catch (error) {
						return unavailable(error);
					}
					if (family === null) return { kind: 'unchanged', retryAt: clock() + 250 };
					if (family.revokedAtMs !== null) return { kind: 'ended', code: 'session_revoked' };
					// The holder committed: this request raced it on the same generation, so it adopts directly
					// (asking again after the grace window would call it a replay).
					if (family.generation === generation + 1) return adopt(record, family);
					if (family.generation !== generation) return { kind: 'ended', code: 'session_revoked' };
					// The lease was released (transient failure) or expired: ask again.
					continue;
				}
			}
		}
		return retryLater(record);
	}

	return {
		refreshAt,
		refresh(record) {
			if (!refreshable(record)) return Promise.resolve({ kind: 'unchanged', retryAt: Infinity });
			const key = `${record.family.id}:${record.family.generation}`;
			let pending = inflight.get(key);
			if (!pending) {
				const notBefore = backoff.get(key);
				if (notBefore !== undefined) {
					if (clock() < notBefore) return Promise.resolve({ kind: 'unchanged', retryAt: notBefore });
					backoff.delete(key);
				}
				pending = run(record)
					.then((outcome) => {
						if (outcome.kind === 'unchanged' && Number.isFinite(outcome.retryAt)) {
							if (backoff.size >= LATEST_LIMIT) backoff.delete(backoff.keys().next().value as string);
							backoff.set(key, outcome.retryAt);
						}
						return outcome;
					})
					.catch((error: unknown): RefreshOutcome => {
						runtime.report({ code: 'server_error', phase: 'refresh', message: describe(error), cause: error });
						return retryLater(record);
					})
					.finally(() => inflight.delete(key));
				inflight.set(key, pending);
			}
			return pending;
		}
	};
}
