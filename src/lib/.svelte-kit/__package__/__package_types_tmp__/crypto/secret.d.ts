/** A secret, or a list of secrets for rotation: the first seals, every one of them opens. */
export type SecretOption = string | readonly string[];
export declare const MIN_SECRET_BYTES = 32;
/**
 * Resolves `options.secret`, else `AUTH_SECRET`, into a validated, non-empty list. A secret under 32
 * bytes throws a TypeError naming the option. With neither set, production fails at startup and
 * development falls back to one ephemeral secret per process (sessions end on restart) and warns once.
 */
export declare function resolveSecrets(fn: string, secret: SecretOption | undefined): string[];
