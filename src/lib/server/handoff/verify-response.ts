import type { DpopPrivateJwk } from '../../crypto/dpop/dpop-key.js';
import { AuthError } from '../../errors.js';
import { isRecord as isObject } from '../../json.js';
import type { AuthUser } from '../../types.js';
import type { VerifyProtocol } from '../config/handoff-config.js';

/** What a verify endpoint vouched for, after its response passed every shape and binding check. */
export interface VerifiedHandoff {
	readonly tokenType: 'Bearer' | 'DPoP';
	readonly accessToken: string;
	readonly expiresIn: number;
	readonly refreshToken?: string;
	readonly user: AuthUser;
	/** The authorization server's session id (kept for back-channel logout). */
	readonly session: { readonly id: string };
	/** IPSIE SL1 `session_expiry` (ms): the enterprise IdP's session ends then, and this session with it. */
	readonly sessionExpiresAt?: number;
	readonly carryOverState: Record<string, unknown> | null;
	/** For a DPoP-bound grant: the key the verify call proved, which later calls with the token need. */
	readonly dpop?: DpopPrivateJwk;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 16_384;
// Profile fields travel in every request's cookie: an attacker's own account with a 20 KB name,
// handed off to a victim, must not lock the victim's browser out with 431s (S7).
const MAX_PROFILE_FIELD = 256;
// A year: longer lifetimes are a misconfiguration, and Infinity would not survive sealing.
const MAX_EXPIRES_IN = 365 * 24 * 60 * 60;
// RFC 3339 §5.6 date-time, as `Date.prototype.toISOString()` and the seed's servers write it.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

function isDateTime(value: unknown): boolean {
	if (typeof value !== 'string') return false;
	const match = DATE_TIME.exec(value);
	if (!match) return false;
	const [, , month, day, hour, minute, second] = match.map(Number);
	// Date.parse rolls 2030-02-31 over to March: check the fields' ranges instead of trusting it.
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
	return Number.isFinite(Date.parse(value));
}

function invalid(what: string): never {
	throw new AuthError('invalid_response', `the verify response ${what}`);
}

/**
 * Checks a verify endpoint's 200 answer and reduces it to what the app keeps: a grant for this client
 * (docs/SECURITY.md H8), bounded profile fields, a session id. Seed 001's contract (`'seed-2025'`)
 * answers a Bearer grant; Authrim's (`'authrim-2026'`) a DPoP-bound one (a Bearer answer to a call
 * that proved a key is a downgrade and refused, docs/SECURITY.md X23), `user.email` and `user.name` possibly `null`,
 * and no refresh token: one sent anyway is dropped, as nothing here could refresh it with a proof
 * yet. Throws `AuthError('invalid_response')` naming the first problem; never echoes a token.
 */
export function parseVerifyResponse(body: unknown, clientId: string, protocol: VerifyProtocol = 'seed-2025'): VerifiedHandoff {
	const dpop = protocol === 'authrim-2026';
	if (!isObject(body)) invalid('is not a JSON object');
	const { token_type, access_token, expires_in, refresh_token, user, session, carry_over_state } = body;
	// A grant minted for another client must never sign anyone in here (mix-up, RFC 9700 §4.4).
	for (const claim of ['client_id', 'aud'] as const) {
		const value = body[claim];
		if (value === undefined) continue;
		const names = Array.isArray(value) ? value : [value];
		if (names.length !== 1 || names[0] !== clientId) invalid(`names another client in "${claim}"`);
	}
	const expectedType = dpop ? 'DPoP' : 'Bearer';
	if (!nonEmpty(token_type) || token_type.toLowerCase() !== expectedType.toLowerCase()) invalid(`has no ${expectedType} "token_type"`);
	if (!nonEmpty(access_token)) invalid('has no "access_token"');
	if (typeof expires_in !== 'number' || !Number.isFinite(expires_in) || expires_in <= 0 || expires_in > MAX_EXPIRES_IN) {
		invalid('has no positive "expires_in" of at most a year');
	}
	if (refresh_token !== undefined && !dpop && !nonEmpty(refresh_token)) invalid('has a malformed "refresh_token"');
	if (!isObject(user) || !nonEmpty(user.id) || user.id.length > MAX_PROFILE_FIELD) invalid('has no "user" with an "id" of at most 256 characters');
	for (const field of ['email', 'name'] as const) {
		const value = user[field];
		// Authrim documents `null` for a user without an email or a name.
		if (value === null && dpop) continue;
		if (value !== undefined && (typeof value !== 'string' || value.length > MAX_PROFILE_FIELD)) invalid(`has a malformed or oversized "user.${field}"`);
	}
	// The session id goes into the cookie (S7), bounded like the user id.
	if (!isObject(session) || !nonEmpty(session.id) || session.id.length > MAX_PROFILE_FIELD) invalid('has no "session" with an "id" of at most 256 characters');
	// The seed's other session fields are optional, but a server that sends them must send them
	// well-formed: a session block for another user, or with a garbage expiry, is a broken answer (X9).
	if (session.userId !== undefined && session.userId !== user.id) invalid('has a "session.userId" that is not "user.id"');
	if (session.expiresAt !== undefined && !isDateTime(session.expiresAt)) invalid('has a "session.expiresAt" that is not an RFC 3339 date-time');
	if (dpop && user.emailVerified !== undefined && typeof user.emailVerified !== 'boolean') invalid('has a malformed "user.emailVerified"');
	if (carry_over_state !== undefined && carry_over_state !== null && !isObject(carry_over_state)) invalid('has a malformed "carry_over_state"');
	// IPSIE SL1: seconds since the epoch, top level as in an ID token. Checked against the clock by the
	// session it caps (establishSession), here only for its shape.
	const sessionExpiry = body.session_expiry;
	if (sessionExpiry !== undefined && (typeof sessionExpiry !== 'number' || !Number.isFinite(sessionExpiry) || sessionExpiry <= 0)) {
		invalid('has a malformed "session_expiry"');
	}
	return {
		tokenType: expectedType,
		accessToken: access_token,
		expiresIn: expires_in,
		...(refresh_token === undefined || dpop ? {} : { refreshToken: refresh_token as string }),
		user: {
			id: user.id,
			...(typeof user.email === 'string' ? { email: user.email } : {}),
			...(typeof user.name === 'string' ? { name: user.name } : {})
		},
		session: { id: session.id },
		...(typeof sessionExpiry === 'number' ? { sessionExpiresAt: Math.floor(sessionExpiry * 1000) } : {}),
		carryOverState: (carry_over_state as Record<string, unknown> | undefined) ?? null
	};
}
