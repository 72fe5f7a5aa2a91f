/** Client id and secret from an `Authorization: Basic` header; null when it is not well-formed. */
export declare function parseBasicCredentials(header: string): {
    clientId: string;
    clientSecret: string;
} | null;
/**
 * Authenticates the client named by the request body. Unknown client, a confidential client without
 * valid Basic credentials (wrong secret, another client's id in the header, malformed header), or a
 * public client that sends credentials anyway: all false. The secret comparison is constant-time.
 */
export declare function authenticateClient(clients: ReadonlyMap<string, {
    readonly secret?: string;
}>, clientId: string, authorization: string | null): Promise<boolean>;
