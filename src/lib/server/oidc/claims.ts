import { decodeJwt } from 'jose';
import type { AuthUser } from '../../types.js';
import type * as oauth from 'oauth4webapi';

/** Claims of a validated ID token, merged with the userinfo response when `fetchUserInfo` is on. */
export type OidcClaims = oauth.IDToken & Record<string, unknown>;

// Standard profile claims (OIDC Core §5.1) worth keeping in the session; protocol claims (iss, aud,
// exp, nonce, at_hash, sid…) are not user data and only grow the cookie.
const PROFILE_CLAIMS = [
	'email',
	'email_verified',
	'name',
	'given_name',
	'family_name',
	'middle_name',
	'nickname',
	'preferred_username',
	'picture',
	'locale',
	'zoneinfo',
	'updated_at'
] as const;

/** The default `userFromClaims`: `sub` as `id`, plus the standard profile claims that are present. */
export function defaultUserFromClaims(claims: OidcClaims): AuthUser {
	const user: Record<string, unknown> = { id: claims.sub };
	for (const name of PROFILE_CLAIMS) {
		const value = claims[name];
		if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') user[name] = value;
	}
	return user as AuthUser;
}

/**
 * The key an issuer is recorded under for back-channel logout. RFC 9207 and OIDC compare issuers as
 * exact strings; this only folds the one trailing slash a `URL` adds to a bare origin, so a session
 * recorded with `https://idp.example/` and a logout token from `https://idp.example` meet.
 */
export function issuerKey(issuer: string): string {
	return issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
}

/** The claims of an ID token this app sealed into its own session (already validated when received). */
export function storedIdTokenClaims(idToken: string | undefined): Record<string, unknown> | null {
	if (!idToken) return null;
	try {
		return decodeJwt(idToken) as Record<string, unknown>;
	} catch {
		return null;
	}
}

function audiences(value: unknown): string[] | null {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value].sort();
	return null;
}

/**
 * OIDC Core §12.2: a refreshed ID token must name the same issuer, subject and audience as the one the
 * session started with, and, when both carry one, the same `auth_time` and `azp`. oauth4webapi 3.8.8
 * does not compare them (docs/SECURITY.md I9, R5). Returns the first claim that differs, or null.
 */
export function refreshedIdTokenMismatch(
	original: { iss: string; sub: string; claims: Record<string, unknown> | null },
	refreshed: Record<string, unknown>
): string | null {
	if (refreshed.iss !== original.iss) return 'iss';
	if (refreshed.sub !== original.sub) return 'sub';
	const before = original.claims;
	if (before) {
		const a = audiences(before.aud);
		const b = audiences(refreshed.aud);
		if (!a || !b || a.length !== b.length || a.some((v, i) => v !== b[i])) return 'aud';
		if (before.auth_time !== undefined && refreshed.auth_time !== undefined && before.auth_time !== refreshed.auth_time) return 'auth_time';
		if (before.azp !== undefined && refreshed.azp !== undefined && before.azp !== refreshed.azp) return 'azp';
	}
	return null;
}
