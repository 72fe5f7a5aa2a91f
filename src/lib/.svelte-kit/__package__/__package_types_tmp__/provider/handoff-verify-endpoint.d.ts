import { type HandoffIssuer, type HandoffRedeemError } from './handoff-issuer.js';
/** Largest verify request body read; the seed's three strings fit many times over (row H10). */
export declare const HANDOFF_VERIFY_MAX_BODY_BYTES: number;
/** A relying party allowed to redeem handoff tokens. */
export interface HandoffClient {
    /**
     * Set for a confidential client: it must authenticate with HTTP Basic (`client_secret_basic`).
     * Absent for a public client, which must send no credentials.
     */
    secret?: string;
}
/** The user the verify response describes. */
export interface HandoffUser {
    id: string;
    email?: string;
    name?: string;
}
/** What the host's {@link HandoffVerifyEndpointOptions.issueTokens} returns for a redeemed handoff. */
export interface IssuedHandoffTokens {
    access_token: string;
    /** Lifetime of `access_token` in seconds. */
    expires_in: number;
    refresh_token?: string;
    user: HandoffUser;
    /** The session at the authorization server; `expiresAt` is sent as an ISO 8601 string. */
    session: {
        id: string;
        expiresAt: string | Date;
    };
}
/** The 200 body of the verify endpoint (seed 001's wire contract). */
export interface HandoffVerifyResponseBody {
    token_type: 'Bearer';
    access_token: string;
    expires_in: number;
    refresh_token?: string;
    /** The client the handoff was minted for; the relying party must check it is itself (row H8). */
    client_id: string;
    session: {
        id: string;
        expiresAt: string;
    };
    user: HandoffUser;
    carry_over_state?: Record<string, unknown>;
}
/** The error body of the verify endpoint. */
export interface HandoffVerifyErrorBody {
    error: HandoffRedeemError;
}
/** Options of {@link createHandoffVerifyEndpoint}. */
export interface HandoffVerifyEndpointOptions {
    /** The issuer whose tokens this endpoint redeems; only one made by `createHandoffIssuer`. */
    issuer: HandoffIssuer;
    /** The relying parties, by client id. Copied at construction. */
    clients: Record<string, HandoffClient>;
    /**
     * Issues the tokens for a redeemed handoff: an access token the relying party can use, the user,
     * the authorization server's session. Called once per successful redemption, after the handoff
     * token has been consumed. A throw, or a result of the wrong shape, answers 500 `server_error`.
     */
    issueTokens(input: {
        sub: string;
        clientId: string;
    }): IssuedHandoffTokens | Promise<IssuedHandoffTokens>;
    /**
     * Told about faults that answered 500: `issueTokens` threw or returned a malformed result. For
     * logging; it never receives a handoff token. Default: nothing.
     */
    onError?(error: unknown): void;
}
/**
 * Creates the authorization server's handoff verify endpoint (`POST /auth/external/handoff/verify` in
 * seed 001) as a `Request → Response` handler: mount it in SvelteKit (`+server.ts`: `export const
 * POST = ({ request }) => verify(request)`), or in any server that speaks Fetch API objects.
 *
 * The request is `POST`, `Content-Type: application/json`, body `{ handoff_token, state, client_id }`
 * — each exactly once, each a non-empty string, nothing else, at most 16 KB. A confidential client
 * authenticates with HTTP Basic. Then the token is redeemed (single use, bound to `client_id` and
 * `state`) and `issueTokens` is asked for the tokens.
 *
 * Responses (all `Cache-Control: no-store`, JSON):
 * - 200 {@link HandoffVerifyResponseBody}
 * - 400 `invalid_request` (method aside, any malformed request), `invalid_grant`, `expired_token`
 * - 401 `invalid_client` (unknown client, missing or wrong credentials), with `WWW-Authenticate`
 * - 405 for any method but POST (with `Allow: POST`)
 * - 500 `server_error`: the store or `issueTokens` failed; nothing about the cause is sent.
 *
 * Client authentication happens before the token is looked at, so an unauthenticated caller cannot
 * consume (burn) a token it intercepted.
 *
 * @throws {TypeError} `ERR_INVALID_OPTION`: `issuer` not from `createHandoffIssuer`, `clients` empty or
 * with a secret that is not a non-empty string, `issueTokens` or `onError` not a function.
 *
 * @example
 * ```ts
 * // src/routes/auth/external/handoff/verify/+server.ts
 * const verify = createHandoffVerifyEndpoint({
 * 	issuer: handoff,
 * 	clients: { app: { secret: env.APP_CLIENT_SECRET } },
 * 	issueTokens: async ({ sub, clientId }) => tokensFor(sub, clientId)
 * });
 * export const POST = ({ request }) => verify(request);
 * ```
 */
export declare function createHandoffVerifyEndpoint(options: HandoffVerifyEndpointOptions): (request: Request) => Promise<Response>;
