import { systemClock, type Clock } from '../clock.js';
import { CookieBatch } from '../cookies/cookie-batch.js';
import { createSealer } from '../cookies/seal.js';
import { createSessionCookie, type TokenSet } from '../cookies/session-cookie.js';
import { resolveSessionOptions, type SessionOptions } from '../cookies/session-options.js';
import { randomToken } from '../crypto/base64url.js';
import { resolveSecrets, type SecretOption } from '../crypto/secret.js';
import { misuse } from '../errors.js';
import type { AuthUser } from '../types.js';

/** Options of {@link mintSessionCookie}. */
export interface MintSessionOptions {
	/** The app's secret (the same `secret` / `AUTH_SECRET` the hooks use). */
	secret?: SecretOption;
	/** The user to sign in; `id` is required. */
	user: AuthUser;
	/** The same `sessionOptions` the hooks use. */
	sessionOptions?: SessionOptions;
	/** The app URL the cookie is for (decides `Secure` and the default name). Default `http://localhost`. */
	url?: string;
	/** Tokens to keep in the session, for routes that call `getAccessToken()`. */
	tokens?: TokenSet;
	clock?: Clock;
}

/** A minted session, ready for a test request. */
export interface MintedSession {
	/** Value for a `Cookie` request header. */
	cookieHeader: string;
	/** The cookies by name (more than one when the session is chunked). */
	cookies: Record<string, string>;
	/** When the session expires (ms since the epoch). */
	expiresAt: number;
}

/**
 * Mints a valid session cookie without an identity provider, so an app can test protected routes.
 *
 * ```ts
 * const { cookieHeader } = await mintSessionCookie({ secret: process.env.AUTH_SECRET, user: { id: 'u1', name: 'Ada' } });
 * const res = await fetch(`${base}/dashboard`, { headers: { cookie: cookieHeader } });
 * ```
 */
export async function mintSessionCookie(options: MintSessionOptions): Promise<MintedSession> {
	const fn = 'mintSessionCookie';
	if (!options?.user || typeof options.user.id !== 'string' || options.user.id === '') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.user.id is required`);
	}
	const clock = options.clock ?? systemClock;
	const session = createSessionCookie({
		options: resolveSessionOptions(fn, options.sessionOptions),
		sealer: createSealer({ secrets: resolveSecrets(fn, options.secret), purpose: 'session', clock }),
		clock
	});
	const now = clock();
	const batch = new CookieBatch();
	const expiresAt = await session.write(
		batch,
		new URL(options.url ?? 'http://localhost'),
		{ id: randomToken(16), source: 'testing', user: options.user, createdAt: now, touchedAt: now, tokens: options.tokens },
		[]
	);
	const cookies: Record<string, string> = {};
	for (const write of batch.writes) cookies[write.name] = write.value;
	return {
		cookies,
		cookieHeader: Object.entries(cookies)
			.map(([name, value]) => `${name}=${value}`)
			.join('; '),
		expiresAt
	};
}
