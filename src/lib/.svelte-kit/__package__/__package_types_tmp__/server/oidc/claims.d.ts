import type { AuthUser } from '../../types.js';
import type { OidcClaims } from './options.js';
/** The default `userFromClaims`: `sub` as `id`, plus the standard profile claims that are present. */
export declare function defaultUserFromClaims(claims: OidcClaims): AuthUser;
/**
 * The key an issuer is recorded under for back-channel logout. RFC 9207 and OIDC compare issuers as
 * exact strings; this only folds the one trailing slash a `URL` adds to a bare origin, so a session
 * recorded with `https://idp.example/` and a logout token from `https://idp.example` meet.
 */
export declare function issuerKey(issuer: string): string;
/** The claims of an ID token this app sealed into its own session (already validated when received). */
export declare function storedIdTokenClaims(idToken: string | undefined): Record<string, unknown> | null;
/**
 * OIDC Core §12.2: a refreshed ID token must name the same issuer, subject and audience as the one the
 * session started with, and, when both carry one, the same `auth_time` and `azp`. oauth4webapi 3.8.8
 * does not compare them (SECURITY.md I9, R5). Returns the first claim that differs, or null.
 */
export declare function refreshedIdTokenMismatch(original: {
    iss: string;
    sub: string;
    claims: Record<string, unknown> | null;
}, refreshed: Record<string, unknown>): string | null;
