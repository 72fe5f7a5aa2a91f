import type { Cookies } from '@sveltejs/kit';
import { type Clock } from '../clock.js';
import { type SecretOption } from '../crypto/secret.js';
/** What a transaction was started for: an OpenID Connect login, or an app-initiated handoff. */
export type TransactionKind = 'oidc' | 'handoff';
/**
 * The state needed to finish one authentication transaction, sealed into its own cookie between the
 * authorization request and the callback (Auth0 `TransactionState`, plus the provider it was made
 * for and its kind).
 */
export interface TransactionState {
    /** The PKCE code verifier used in the authorization request. */
    codeVerifier: string;
    /** The response type used in the authorization request. */
    responseType: string;
    /**
     * The `state` parameter sent to the authorization server for CSRF protection. It also names the
     * cookie, so it must be 16–128 base64url characters (`randomToken()` gives 43).
     */
    state: string;
    /** The same-origin path to return to after login; produce it with `safeReturnTo`. */
    returnTo: string;
    /** Associates the client session with the ID Token and mitigates replay. */
    nonce: string;
    /** The maximum age of the authentication session (the `max_age` request parameter), in seconds. */
    maxAge?: number;
    /** The auth session ID for the connect-accounts flow. */
    authSession?: string;
    /** The scope requested for this transaction. */
    scope?: string;
    /** The audience requested for this transaction. */
    audience?: string;
    /** The issuer the authorization request went to. */
    issuer: string;
    /** The client the authorization request was made as. */
    clientId: string;
    /** The `redirect_uri` of the authorization request. */
    redirectUri: string;
    /** What the transaction was started for. Absent means `'oidc'`. */
    kind?: TransactionKind;
}
/** The provider a callback is being finished against; see {@link matchesProvider}. */
export interface ExpectedProvider {
    issuer: string;
    clientId: string;
    redirectUri: string;
    /** When given, the transaction's kind (absent = `'oidc'`) must equal it too. */
    kind?: TransactionKind;
}
/** Options of the transaction cookies. */
export interface TransactionCookieOptions {
    /**
     * Prefix of the cookie names: `{prefix}{state}` with parallel transactions, `{prefix}` without.
     * Default `'__Host-txn_'` when the cookies are `Secure` with path `/` and no domain, else `'__txn_'`.
     * RFC 9110 token characters only. A `__Host-` prefix (which a sibling subdomain cannot set, so it
     * defeats cookie tossing) requires `secure`, `path: '/'` and no `domain`.
     */
    prefix?: string;
    /**
     * `lax` lets the cookie travel on the top-level cross-site GET that the authorization server
     * redirects back with. `strict` breaks that callback unless the authorization server is same-site;
     * `none` requires `secure`.
     * @default 'lax'
     */
    sameSite?: 'lax' | 'strict' | 'none';
    /**
     * Default: depends on the protocol of the application's base URL (`options.origin`): `https` →
     * true, otherwise false. Without `origin`, SvelteKit decides per request: `Secure` everywhere except
     * on `http://localhost` (so on `http://127.0.0.1`, set `origin` or `secure: false`).
     */
    secure?: boolean;
    /**
     * Path of the cookie; must be absolute and cover the callback route.
     * @default '/'
     */
    path?: string;
    /** The `Domain` attribute. By default none is set and the cookie stays on the current host. */
    domain?: string;
    /**
     * Lifetime in seconds, enforced twice: as the cookie's `Max-Age` and as the `exp` sealed inside it.
     * @default 3600
     */
    maxAge?: number;
}
/** Options of {@link TransactionStore}. */
export interface TransactionStoreOptions {
    /**
     * The secret the cookies are sealed with (at least 32 bytes), or a list for rotation: the first
     * seals, every one of them opens. Defaults to the `AUTH_SECRET` environment variable.
     */
    secret?: SecretOption;
    /** Options of the transaction cookies. */
    cookieOptions?: TransactionCookieOptions;
    /**
     * Allows one transaction per `state` (multi-tab logins). When false only one transaction cookie
     * exists, and a save while a readable one exists is ignored.
     * @default true
     */
    enableParallelTransactions?: boolean;
    /**
     * With parallel transactions, the most transaction cookies that live at once: a save evicts the
     * oldest in the same response. The total size of the transaction cookies is capped as well, so the
     * `Cookie` header stays small however many logins are abandoned.
     * @default 5
     */
    maxTransactions?: number;
    /**
     * The application's base URL (e.g. `'https://app.example.com'`), the same origin the SDK builds
     * its `redirect_uri` from. It decides `secure` when `cookieOptions.secure` is omitted.
     */
    origin?: string | URL;
    /** Milliseconds since the epoch; injected by tests. */
    clock?: Clock;
}
/**
 * True when `value` was returned by {@link TransactionStore.get}: the only kind of transaction a
 * callback may finish a login with.
 */
export declare function isOpenedTransaction(value: unknown): value is Readonly<TransactionState>;
/**
 * True when the transaction was started with exactly this issuer, client and `redirect_uri` (and
 * kind, when `expected.kind` is given). Simple string comparison, as RFC 9207 §2.4 prescribes for
 * issuers: a transaction started with one provider can never be finished against another (Auth.js
 * GHSA-x445-f3h2-j279).
 */
export declare function matchesProvider(tx: TransactionState, expected: ExpectedProvider): boolean;
/**
 * Stores the state of authentication transactions in encrypted, stateless cookies, one per `state`
 * (Auth0 `TransactionStore`, adapted to SvelteKit's `Cookies`, which is both the request and the
 * response side). Values are sealed as JWE under a key derived for the `transaction` purpose only,
 * so a transaction cookie never opens as a session or handoff value.
 *
 * Differences from Auth0's store: a read also checks that the sealed `state` equals the requested
 * one (a value copied under another cookie name is refused) and, given an {@link ExpectedProvider},
 * the provider; parallel transactions are bounded by count and size; options are validated here.
 *
 * @throws {TypeError} with `code` `ERR_INVALID_OPTION` (the message names the option) or
 * `ERR_MISSING_SECRET`.
 *
 * @example
 * ```ts
 * const transactions = new TransactionStore({ secret: AUTH_SECRET, origin: 'https://app.example.com' });
 *
 * // login: before redirecting to the authorization server
 * await transactions.save(event.cookies, { state, nonce, codeVerifier, responseType: 'code',
 * 	returnTo: safeReturnTo(event.url.searchParams.get('returnTo'), origin),
 * 	issuer, clientId, redirectUri });
 *
 * // callback: read, then delete on success and failure alike (row T5)
 * const tx = await transactions.get(event.cookies, state, { issuer, clientId, redirectUri });
 * transactions.delete(event.cookies, state);
 * if (!tx) throw new AuthError('invalid_state', 'no transaction for this state'); // before any token request
 * ```
 */
export declare class TransactionStore {
    #private;
    constructor(options?: TransactionStoreOptions);
    /**
     * Seals `state` into the transaction cookie `{prefix}{state.state}` (or `{prefix}` without
     * parallel transactions), with `Max-Age` and a sealed `exp` of `cookieOptions.maxAge`.
     *
     * With parallel transactions, the oldest transaction cookies (unreadable ones first, then by the
     * issue time sealed inside them) are deleted in the same response so that at most
     * `maxTransactions` remain and their total size stays under 4 KB. They are read from `reqCookies`,
     * or from `resCookies` when it is omitted, since SvelteKit's `Cookies` holds the request's cookies.
     *
     * Without parallel transactions, and only when `reqCookies` is given, a save while a readable
     * transaction cookie exists is ignored. An unreadable cookie (expired, tampered, planted) is
     * overwritten, so a cookie tossed from a sibling subdomain cannot lock logins out.
     *
     * @param resCookies The response cookies (`event.cookies`).
     * @param state The transaction to save.
     * @param reqCookies The request cookies (`event.cookies`); enables the single-mode existence check.
     * @returns true when the cookie was written, false when the save was ignored (single mode).
     * @throws {TypeError} `ERR_INVALID_ARGUMENT` when `state.state` is missing or not 16–128 base64url
     * characters, when `issuer`, `clientId` or `redirectUri` is not a non-empty string, or when the
     * sealed cookie would exceed 4096 bytes.
     */
    save(resCookies: Cookies, state: TransactionState, reqCookies?: Cookies): Promise<boolean>;
    /**
     * Reads the transaction for `state`. Never throws and never writes a cookie.
     *
     * @param reqCookies The request cookies (`event.cookies`).
     * @param state The `state` parameter of the callback, as received.
     * @param expected When given, the transaction must have been started with this provider
     * ({@link matchesProvider}).
     * @returns The frozen transaction, or null when there is none, or it is expired, tampered, sealed
     * under an unknown key or for another purpose, sealed for another `state` (copied under another
     * cookie name), started with another provider, or when `state` is not a well-formed state.
     */
    get(reqCookies: Cookies, state: string, expected?: ExpectedProvider): Promise<TransactionState | null>;
    /**
     * Deletes the transaction cookie for `state` (`Max-Age=0` with the same name, path, domain and
     * attributes it was written with). A malformed `state` names no cookie, so with parallel
     * transactions it deletes nothing; without them the single cookie is deleted.
     *
     * @param resCookies The response cookies (`event.cookies`).
     * @param state The `state` parameter identifying the transaction.
     */
    delete(resCookies: Cookies, state: string): void;
    /**
     * Deletes every cookie of the request whose name starts with the prefix.
     *
     * @param reqCookies The request cookies (`event.cookies`).
     * @param resCookies The response cookies (`event.cookies`).
     */
    deleteAll(reqCookies: Cookies, resCookies: Cookies): void;
    /** The prefix of the transaction cookie names. */
    getCookiePrefix(): string;
}
