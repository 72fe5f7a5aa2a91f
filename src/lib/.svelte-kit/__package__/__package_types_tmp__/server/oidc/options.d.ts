import * as oauth from 'oauth4webapi';
import { type Clock } from '../../clock.js';
import { TransactionStore, type TransactionCookieOptions } from '../../cookies/transaction-store.js';
import { type AuthErrorCode } from '../../errors.js';
import { type RefreshTokenFamilyRotation } from '../../stores/refresh-token-family-rotation.js';
import type { RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import type { AuthUser } from '../../types.js';
import { type Discovery, type ServerConnection } from '../discovery.js';
import { type TokenVault } from '../refresh/token-vault.js';
import { type SessionRuntime, type SessionRuntimeOptions } from '../session-runtime.js';
import type { AuthErrorInfo } from './errors.js';
/** Claims of a validated ID token, merged with the userinfo response when `fetchUserInfo` is on. */
export type OidcClaims = oauth.IDToken & Record<string, unknown>;
/** Authorization request parameters added to every sign-in (or computed per request). */
export type AuthorizationParams = Record<string, string>;
/**
 * The OpenID Connect options of `createAuthHandle`. Everything has a default except `issuer` and
 * `clientId`; `origin` is required in production.
 */
export interface OidcOptions {
    /** The authorization server's issuer URL, exactly as its discovery document names it (required). */
    issuer: string;
    /** This app's client id at the issuer (required). */
    clientId: string;
    /**
     * The client secret, sent as `client_secret_basic`. Without it the app is a public client whose
     * code is protected by PKCE alone.
     */
    clientSecret?: string;
    /**
     * Paths the authorization server returns to. The first, joined to `origin`, is the `redirect_uri`.
     * A request on one of them that carries `handoff_token` instead of `code` is left to the handoff
     * handler or the route's load function. Default `['/auth/callback']`.
     */
    callbackPaths?: string[];
    /** GET `loginPath?returnTo=/path` starts a sign-in. Default `'/auth/login'`. */
    loginPath?: string;
    /** POST (same origin only) signs out. A GET never does. Default `'/auth/logout'`. */
    logoutPath?: string;
    /** Where the authorization server POSTs back-channel logout tokens. Default `'/auth/backchannel-logout'`. */
    backchannelLogoutPath?: string;
    /** Scopes to request; must contain `openid`. Default `'openid profile email offline_access'`. */
    scope?: string;
    /** Extra authorization request parameters, or a function of the request returning them (e.g. `{ ui_locales: 'de' }`). */
    authorizationParams?: AuthorizationParams | ((event: {
        url: URL;
    }) => AuthorizationParams);
    /** `prompt` of every authorization request; a `prompt` query parameter of the login request overrides it. */
    prompt?: string;
    /** `max_age` in seconds: the ID token's `auth_time` must be at most this old. */
    maxAge?: number;
    /** Where a sign-in without `returnTo` ends. Default `'/'`. */
    postLoginRedirect?: string;
    /**
     * Where sign-out ends: registered at the server as `post_logout_redirect_uri` (joined to `origin`)
     * when it has an `end_session_endpoint`. Default `'/'`.
     */
    postLogoutRedirect?: string;
    /**
     * Where a failed sign-in goes: a path (`?error=<code>` is appended unless it already names an
     * `error`), or a function from the code to a path. Default `'/login'`.
     */
    errorRedirect?: string | ((error: AuthErrorCode) => string);
    /** Call the userinfo endpoint after the code exchange and merge its claims (its `sub` must match). Default false. */
    fetchUserInfo?: boolean;
    /** Builds `locals.auth.user` from the claims. Default: `sub` as `id`, plus standard profile claims. */
    userFromClaims?: (claims: OidcClaims) => AuthUser;
    /** Redirect to the server's `end_session_endpoint` on sign-out when it has one. Default true. */
    rpInitiatedLogout?: boolean;
    /** Revoke the refresh token (RFC 7009) on sign-out when the server has a revocation endpoint. Default true. */
    revokeOnSignOut?: boolean;
    /** Options of the transaction cookies that carry state, nonce and PKCE verifier to the callback. */
    transactionCookieOptions?: TransactionCookieOptions;
    /**
     * Where refresh-token families live. Default: an `InMemoryRefreshTokenFamilyStore`, which is right
     * for one instance. Several instances must share one store (`sveltekit-sso/redis`,
     * `sveltekit-sso/postgres`): refresh single flight and back-channel logout go through it.
     */
    familyStore?: RefreshTokenFamilyStore;
    /** Refresh this long before the access token expires; never more than half its lifetime. Default 30 000. */
    refreshLeewayMs?: number;
    /** A cookie one generation behind adopts the current tokens within this long of a rotation. Default 30 000. */
    refreshGraceMs?: number;
    /** How long a refresh in flight holds its lease on the family. Default 15 000. */
    refreshLeaseMs?: number;
    /** How long a request waits for a refresh another request (or instance) runs. Default 5 000. */
    refreshWaitMs?: number;
    /**
     * How often (at most) a session is checked against the family store for revocation and
     * back-channel logout, per instance. A logout reaches every instance within this. Default 30 000.
     */
    sessionCheckIntervalMs?: number;
    /** Timeout of each call to the authorization server, in milliseconds. Default 5 000. */
    timeoutMs?: number;
    /** The fetch used to call the authorization server. Default `globalThis.fetch`. */
    fetch?: typeof fetch;
    /** Told about every failure, for logging. Never given a token. Default: a warning in development. */
    onError?: (info: AuthErrorInfo) => void;
    /**
     * **Development only.** Allows an `http:` issuer such as the embedded dev identity provider on
     * 127.0.0.1. Warns at startup; refused when `NODE_ENV` is `production` unless the issuer is loopback.
     */
    allowInsecureRequests?: boolean;
}
/** Everything the OIDC routes and the refresh need, resolved once. */
export interface OidcRuntime {
    readonly fn: string;
    readonly issuer: URL;
    /** The issuer as the key of back-channel logout records (no trailing slash). */
    readonly issuerKey: string;
    readonly clientId: string;
    readonly client: oauth.Client;
    readonly clientAuth: oauth.ClientAuth;
    readonly publicClient: boolean;
    readonly connection: ServerConnection;
    readonly discovery: Discovery;
    readonly session: SessionRuntime;
    readonly origin: URL | undefined;
    readonly transactions: TransactionStore;
    readonly callbackPaths: readonly string[];
    readonly loginPath: string;
    readonly logoutPath: string;
    readonly backchannelLogoutPath: string;
    readonly scope: string;
    readonly authorizationParams: (event: {
        url: URL;
    }) => AuthorizationParams;
    readonly prompt: string | undefined;
    readonly maxAge: number | undefined;
    readonly postLoginRedirect: string;
    readonly postLogoutRedirect: string;
    readonly errorRedirect: (code: AuthErrorCode) => string;
    readonly fetchUserInfo: boolean;
    readonly userFromClaims: (claims: OidcClaims) => AuthUser;
    readonly rpInitiatedLogout: boolean;
    readonly revokeOnSignOut: boolean;
    readonly store: RefreshTokenFamilyStore;
    readonly rotation: RefreshTokenFamilyRotation;
    readonly vault: TokenVault;
    readonly refreshLeewayMs: number;
    readonly refreshGraceMs: number;
    readonly refreshWaitMs: number;
    readonly sessionCheckIntervalMs: number;
    /** The absolute session lifetime: families and logout records live this long. */
    readonly sessionMaxAgeMs: number;
    readonly clock: Clock;
    readonly onError: (info: AuthErrorInfo) => void;
    /** The `redirect_uri`: the configured origin and the first callback path (never the request's Host). */
    redirectUri(event: {
        url: URL;
    }): string;
    /** The app's origin for redirects and same-origin checks. */
    appOrigin(event: {
        url: URL;
    }): string;
}
/**
 * Validates the OIDC options once, at construction. Every error is a `TypeError` with code
 * `ERR_INVALID_OPTION` whose message names the option. No network call happens here: discovery runs
 * on the first sign-in, so an app starts while its authorization server is down.
 */
export declare function resolveOidcOptions(fn: string, options: OidcOptions & SessionRuntimeOptions): OidcRuntime;
