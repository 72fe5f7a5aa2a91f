import type { AuthUser } from '../../types.js';
/** What a verify endpoint vouched for, after its response passed every shape and binding check. */
export interface VerifiedHandoff {
    readonly tokenType: string;
    readonly accessToken: string;
    readonly expiresIn: number;
    readonly refreshToken?: string;
    readonly user: AuthUser;
    readonly session: {
        readonly id: string;
        readonly expiresAt?: number;
    };
    readonly carryOverState: Record<string, unknown> | null;
}
/** How the verify endpoint is called. */
export interface VerifyCallConfig {
    url: URL;
    clientId: string;
    clientSecret: string | undefined;
    appOrigin: string;
    fetch: typeof fetch;
    timeoutMs: number;
}
/**
 * POSTs the handoff to the configured verify endpoint (never a URL from the request) as the seed's
 * JSON body, built by a serializer so no decoded value can inject a parameter (row H6), and checks
 * that the answer is a well-formed grant for this client (row H8).
 */
export declare function callVerifyEndpoint(config: VerifyCallConfig, handoff: {
    token: string;
    state: string;
}): Promise<VerifiedHandoff>;
