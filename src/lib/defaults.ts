import { HANDOFF_LIMITS } from './handoff-limits.js';

/**
 * Every secure default of the SDK, in one literal. Options are spread over these; where a default
 * exists to stop an attack, the reference is beside it.
 */
export const DEFAULTS = Object.freeze({
	/** Attributes every cookie of the SDK starts from (session, handoff result, transactions); options are spread over them. */
	cookieAttributes: Object.freeze({
		/** No JavaScript access (seed 001; OWASP Session Management). */
		httpOnly: true,
		/** Lax, not Strict: the handoff and the OIDC callback arrive as cross-site top-level GETs (T6). */
		sameSite: 'lax' as const,
		path: '/'
	}),
	session: Object.freeze({
		/** `__Host-` on https: a sibling subdomain cannot set or overwrite it (docs/SECURITY.md S5). */
		cookieName: 'sso',
		/** Seed 001: 7 days. The absolute lifetime, enforced from the sealed claims (S2). */
		maxAge: 7 * 24 * 60 * 60,
		/** Inactivity limit, enforced from the sealed claims (OWASP Session Management "Idle Timeout"). */
		idleTimeout: 24 * 60 * 60,
		/** Re-seal at most this often on plain reads: every re-seal costs a Set-Cookie and an encryption. */
		rollingInterval: 5 * 60
	}),
	transaction: Object.freeze({
		/** Seed 003: a transaction cookie lives an hour. */
		maxAgeSeconds: 3600,
		/** Seed 003: parallel transactions kept per browser; the oldest are deleted beyond this. */
		maxTransactions: 5
	}),
	stores: Object.freeze({
		/** The in-memory handoff-state store's bound: the oldest entries are evicted beyond it. */
		memoryMaxEntries: 10_000,
		/** How often the in-memory handoff-state store sweeps expired entries. */
		memorySweepIntervalMs: 60_000,
		/**
		 * The in-memory family store's bound on families and logout records (X1): every sign-in with a
		 * refresh token keeps one for the session's lifetime, so without a bound a loop of sign-ins
		 * grows the heap. Beyond it: expired entries first, then revoked families and logout records,
		 * then the least recently used live family.
		 */
		memoryFamilyMaxEntries: 50_000,
		/** The same store's bound on the bytes it holds (its strings plus a fixed overhead per entry, an estimate). */
		memoryFamilyMaxBytes: 64 * 1024 * 1024
	}),
	cookie: Object.freeze({
		/** Browsers keep 4096 bytes of name + value + attributes per cookie (RFC 6265 §6.1; S7). */
		maxSetCookieBytes: 4096,
		/** A session over this many chunks is refused rather than flooding the Cookie header (S6, S7). */
		maxChunks: 4,
		/**
		 * All the SDK's cookies of one request together (session and handoff result): Node answers 431
		 * to request headers over 16 KiB and nginx 400 to a header line over 8 KiB by default, before
		 * the app runs — on every request, sign-out included, until the cookie expires (S7).
		 */
		maxTotalBytes: 12 * 1024
	}),
	auth: Object.freeze({
		/** Where `requireAuth` sends a signed-out user (seed 001). */
		loginPath: '/login',
		/** Where a failed sign-in or handoff goes (`?error=<code>` appended), and the fallback when an app's `errorRedirect` throws or leaves the origin. */
		errorRedirect: '/login',
		/**
		 * Opened sessions remembered per process (least recently used goes first), so an unchanged
		 * cookie is decrypted once: 100,000 active sessions per instance stay cached.
		 */
		sessionCacheSize: 100_000,
		/** …and their estimated heap, whichever bound is reached first (bench/results.md measures it). */
		sessionCacheBytes: 256 * 1024 * 1024,
		/**
		 * A request that starts this close to the access token's refresh time gets an auth value of its
		 * own, whose getAccessToken() can write the refreshed cookie; earlier ones share a frozen value.
		 */
		requestHorizonMs: 60_000
	}),
	server: Object.freeze({
		/** Every call to the authorization server: discovery, token, revocation, userinfo, JWKS, handoff verify. */
		timeoutMs: 5_000,
		/** Discovery metadata is kept this long; a failed fetch is not cached. */
		discoveryTtlMs: 60 * 60 * 1000,
		/**
		 * The rest of an oversized request body (a logout body, a verify call) is read and discarded up
		 * to this many bytes before the answer: cancelling it at once makes Node reset the connection.
		 */
		maxDrainBytes: 1024 * 1024
	}),
	handoff: Object.freeze({
		verifyEndpoint: '/auth/external/handoff/verify',
		/** GET route that starts an app-initiated handoff (`?returnTo=/path`). */
		startPath: '/auth/handoff',
		/** Where app-initiated handoffs return unless `redirectUri` says otherwise. */
		callbackPath: '/auth/handoff/callback',
		/** A verify endpoint's answer over this size is refused. */
		maxResponseBytes: 64 * 1024,
		/** How long the handoff-result cookie waits for the request that follows the 303. */
		resultLifetimeMs: 120_000,
		/** The handoff-result cookie's chunk limit. */
		resultMaxChunks: 3,
		/** Larger tokens and states are refused before any network call (H10). */
		maxTokenLength: HANDOFF_LIMITS.maxTokenLength,
		maxStateLength: HANDOFF_LIMITS.maxStateLength,
		/**
		 * Shorter tokens are refused before any network call: no real server mints a guessable one, and
		 * each junk token would otherwise cost a verify call under the client's credentials (X5).
		 */
		minTokenLength: 16,
		/**
		 * Verify calls per client (verify endpoint and client id) per process: a token bucket refilled at
		 * `ratePerSecond` up to `burst`. Beyond it a handoff answers `rate_limited` without calling, so
		 * anonymous junk cannot spend the client's rate limit at the server for every instance (X5).
		 */
		verifyBudget: Object.freeze({ ratePerSecond: 20, burst: 40 })
	}),
	oidc: Object.freeze({
		/** The first is the redirect URI's path (seed 001 `callbackPaths`). */
		callbackPaths: Object.freeze(['/auth/callback']) as readonly string[],
		loginPath: '/auth/login',
		logoutPath: '/auth/logout',
		backchannelLogoutPath: '/auth/backchannel-logout',
		/** `offline_access` asks for a refresh token; `openid` is required and always present. */
		scope: 'openid profile email offline_access',
		postLoginRedirect: '/',
		postLogoutRedirect: '/',
		/** A callback query longer than this is not an authorization response (C11): 400 before any work. */
		maxCallbackQueryLength: 8_192,
		/** An ID token `iat` further in the future than this is refused (oauth4webapi accepts any, I4). */
		maxIatSkewMs: 60_000,
		/** Callback states this process has started to complete, remembered against concurrent replays (C9). */
		spentStatesLimit: 10_000,
		spentStateTtlMs: 60 * 60 * 1000,
		/** When the token response has no `expires_in` (RFC 6749 §5.1 only RECOMMENDS it). */
		defaultAccessTokenLifetimeMs: 60 * 60 * 1000,
		/** Back-channel logout tokens older than this are refused; their `jti` is remembered as long. */
		logoutTokenMaxAgeMs: 10 * 60 * 1000,
		/** A back-channel logout body over this size is not a logout token: 413, before any verification (X8). */
		maxLogoutBodyBytes: 16 * 1024
	}),
	refresh: Object.freeze({
		/** Refresh this long before the access token expires, but never more than half its lifetime. */
		leewayMs: 30_000,
		/**
		 * A cookie one generation behind adopts the current tokens within this long after a rotation
		 * (requests that raced it); later it is a replay and the family is revoked (RFC 9700 §4.14.2).
		 * Keep it below the access-token lifetime minus the leeway.
		 */
		graceMs: 30_000,
		/** How long a refresh in flight holds its lease; a dead holder's lease expires after this. */
		leaseMs: 15_000,
		/** How long a request waits for another request's refresh before it goes on with what it has. */
		waitMs: 5_000,
		/**
		 * A request waiting for another instance's refresh polls the family store first after this long,
		 * then each time half as late again, up to `waitPollMs`: a fast token call is adopted within a
		 * few milliseconds of its commit, a slow one costs a poll every `waitPollMs`.
		 */
		waitFirstPollMs: 2,
		waitPollMs: 25,
		/** Family generations this process remembers committing or adopting, and back-off entries. */
		memoryLimit: 10_000,
		/** After a transient token-endpoint failure (5xx, timeout), the next attempt waits this long. */
		retryAfterMs: 5_000,
		/**
		 * A session is checked against the family store (family revoked, back-channel logout) at most
		 * this often per instance: the delay after which a logout reaches every instance.
		 */
		sessionCheckIntervalMs: 30_000
	}),
	/** DPoP (RFC 9449): proofs the SDK sends, and the checks `sveltekit-sso/provider` applies to proofs it receives. */
	dpop: Object.freeze({
		/** A proof older than this is refused (RFC 9449 §11.1: a short window bounds pre-generated proofs). */
		proofMaxAgeSeconds: 60,
		/** A proof dated this far ahead is still accepted: clock skew between client and server. */
		proofMaxSkewSeconds: 5,
		/** A server nonce the provider issued stops being accepted after this (RFC 9449 §8). */
		nonceLifetimeSeconds: 300,
		/** Endpoints (origin + path) whose last `DPoP-Nonce` the SDK remembers, per runtime; the least recently used is forgotten. */
		nonceMemoryEntries: 100,
		/** `jti` values the provider remembers within the proof window; beyond it new proofs are refused (X1). */
		replayMaxEntries: 100_000
	})
});

/** Response headers on every answer that carries a session or a one-time credential (RFC 9700 §4.2.4, CVE-2025-48947). */
export const NO_STORE_HEADERS = Object.freeze({
	'cache-control': 'no-store',
	'referrer-policy': 'no-referrer'
});
