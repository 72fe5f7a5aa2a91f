/** Session cookie options: seed 001's `sessionOptions`, plus the limits a security review asks for. */
export interface SessionOptions {
    /**
     * Cookie name. Default: `__Host-sso` when the cookie is `Secure` (a sibling subdomain cannot set or
     * overwrite it), `sso` on http://localhost and loopback addresses during development.
     */
    cookieName?: string;
    /** Default `'lax'`; `'strict'` breaks the cross-site arrival of a handoff or OIDC callback. */
    sameSite?: 'strict' | 'lax' | 'none';
    /** Default: true, except for an app served over http on a loopback host. `false` warns. */
    secure?: boolean;
    /** Default `'/'`. */
    path?: string;
    /** Cookie domain. Default none (host-only); setting one gives up the `__Host-` prefix. */
    domain?: string;
    /** Absolute session lifetime in seconds, enforced from the sealed claims. Default 7 days. */
    maxAge?: number;
    /** Inactivity limit in seconds, enforced from the sealed claims. Default 1 day (at most `maxAge`). */
    idleTimeout?: number;
    /** A plain read re-seals the cookie at most this often (seconds). Default 5 minutes. */
    rollingInterval?: number;
    /** Default true. `false` exposes the session to scripts and warns. */
    httpOnly?: boolean;
}
/** Validated session options with defaults applied. `secure` stays undefined when it follows the URL. */
export interface ResolvedSessionOptions {
    cookieName: string | undefined;
    sameSite: 'strict' | 'lax' | 'none';
    secure: boolean | undefined;
    path: string;
    domain: string | undefined;
    maxAgeMs: number;
    idleTimeoutMs: number;
    rollingIntervalMs: number;
    httpOnly: boolean;
}
/** Validates `sessionOptions` once, at construction; errors name the option. */
export declare function resolveSessionOptions(fn: string, options: SessionOptions | undefined): ResolvedSessionOptions;
/** Whether cookies for this app URL are Secure when not configured: yes, except plain http on loopback. */
export declare function isSecureUrl(url: URL): boolean;
