/**
 * Every secure default of the SDK, in one literal. Options are spread over these; where a default
 * exists to stop an attack, the reference is beside it.
 */
export const DEFAULTS = Object.freeze({
	session: Object.freeze({
		/** `__Host-` on https: a sibling subdomain cannot set or overwrite it (SECURITY.md S5). */
		cookieName: 'sso',
		/** Lax, not Strict: the handoff and the OIDC callback arrive as cross-site top-level GETs (T6). */
		sameSite: 'lax' as const,
		path: '/',
		/** Seed 001: 7 days. The absolute lifetime, enforced from the sealed claims (S2). */
		maxAge: 7 * 24 * 60 * 60,
		/** Inactivity limit, enforced from the sealed claims (OWASP Session Management "Idle Timeout"). */
		idleTimeout: 24 * 60 * 60,
		/** Re-seal at most this often on plain reads: every re-seal costs a Set-Cookie and an encryption. */
		rollingInterval: 5 * 60,
		/** No JavaScript access to the session (seed 001; OWASP). */
		httpOnly: true
	}),
	cookie: Object.freeze({
		/** Browsers keep 4096 bytes of name + value + attributes per cookie (RFC 6265 §6.1; S7). */
		maxSetCookieBytes: 4096,
		/** A session over this many chunks is refused rather than flooding the Cookie header (S6, S7). */
		maxChunks: 8
	}),
	auth: Object.freeze({
		/** Where `requireAuth` sends a signed-out user (seed 001). */
		loginPath: '/login',
		/** Opened sessions remembered per process, so an unchanged cookie is decrypted once. */
		sessionCacheSize: 10_000
	}),
	handoff: Object.freeze({
		verifyEndpoint: '/auth/external/handoff/verify',
		errorRedirect: '/login',
		timeoutMs: 5_000,
		/** Larger tokens are refused before any network call (H10). */
		maxTokenLength: 4_096,
		maxStateLength: 512
	})
});

/** Response headers on every answer that carries a session or a one-time credential (RFC 9700 §4.2.4, CVE-2025-48947). */
export const NO_STORE_HEADERS = Object.freeze({
	'cache-control': 'no-store',
	'referrer-policy': 'no-referrer'
});
