/** Validates an issuer URL at construction: https, or http with the loud development opt-in. */
export declare function validateIssuer(fn: string, issuer: unknown, allowInsecureRequests: boolean | undefined): URL;
