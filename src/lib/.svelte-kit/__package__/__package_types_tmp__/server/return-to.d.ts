/**
 * Turns a user-supplied `returnTo` / `redirectTo` into a redirect target on the application's own
 * origin: the ONLY way the SDK does so (RFC 9700 §4.11.1: clients must not expose open redirectors).
 *
 * The value is resolved with `new URL(value, origin)`; it is kept only when the result has the same
 * origin, and then only its path, query and fragment are returned, so the `Location` it becomes can
 * never name another host. Refused up front, landing on `fallback`: values over 2048 characters, any
 * control character, any backslash, leading whitespace. Refused after resolution: a path that is, or
 * after one percent-decoding would be, protocol-relative (`//evil.com`, `%2F%2Fevil.com`,
 * `%5C%5Cevil.com`), and percent-encoding that does not decode (it would crash a later decode).
 *
 * @param value The untrusted value (a query parameter, a form field), or null/undefined.
 * @param origin The application's configured origin (never the request's `Host`, row C14).
 * @param fallback Where to go instead; must itself be a same-origin absolute path.
 * @returns `pathname + search + hash`, always starting with exactly one `/`.
 * @throws {TypeError} `ERR_INVALID_ARGUMENT` when `origin` is not an http(s) URL or `fallback` is not
 * an absolute path — configuration mistakes, never caused by the untrusted `value`.
 *
 * @example
 * ```ts
 * safeReturnTo('/account?tab=keys#top', 'https://app.example.com'); // '/account?tab=keys#top'
 * safeReturnTo('https://app.example.com/a', 'https://app.example.com'); // '/a'
 * safeReturnTo('/\\evil.com', 'https://app.example.com'); // '/'
 * ```
 */
export declare function safeReturnTo(value: string | null | undefined, origin: string | URL, fallback?: string): string;
/**
 * The request's own URL as a same-origin `Location`, without the named query parameters: used to
 * strip one-time values (`handoff_token`, `state`, `code`) from the address bar with a redirect.
 *
 * Parameters are matched by their decoded name, as `url.searchParams` reads them (so
 * `handoff%5Ftoken` is removed too); every other parameter is kept byte for byte, in order. Leading
 * slashes of the path are collapsed to one, so a request for `//evil.example/` yields
 * `/evil.example/`, never a protocol-relative location.
 *
 * @param url The request URL (`event.url`).
 * @param remove Names of the query parameters to drop.
 * @returns `pathname + search + hash`, starting with exactly one `/`.
 *
 * @example
 * ```ts
 * cleanSelfUrl(new URL('https://app.example.com/docs?handoff_token=t&state=s&page=2'), ['handoff_token', 'state']);
 * // '/docs?page=2'
 * ```
 */
export declare function cleanSelfUrl(url: URL, remove: readonly string[]): string;
