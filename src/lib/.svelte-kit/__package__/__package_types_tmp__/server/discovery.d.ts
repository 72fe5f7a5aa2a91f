import * as oauth from 'oauth4webapi';
import type { Clock } from '../clock.js';
/** Options shared by everything that talks to the authorization server. */
export interface ServerConnection {
    issuer: URL;
    fetch: typeof fetch;
    timeoutMs: number;
    allowInsecureRequests: boolean;
    clock: Clock;
}
/** oauth4webapi's request options for a connection. */
export declare function httpOptions(connection: ServerConnection): oauth.DiscoveryRequestOptions;
/**
 * Fetches the authorization server's metadata once and keeps it for an hour; a failed fetch is not
 * cached, so the next caller tries again. An `issuer` in the document that differs from the
 * configured one is a configuration error (OIDC Discovery §4.3), which oauth4webapi enforces.
 */
export declare function createDiscovery(connection: ServerConnection): {
    /** The metadata, from cache when fresh. Concurrent callers share one request. */
    get(): Promise<oauth.AuthorizationServer>;
    /** Forgets the metadata, after a failure that may come from stale metadata. */
    invalidate(): void;
};
export type Discovery = ReturnType<typeof createDiscovery>;
