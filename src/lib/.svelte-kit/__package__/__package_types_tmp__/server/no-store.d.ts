/**
 * Marks a response that carries a session Set-Cookie as not storable, so no shared cache replays
 * one user's cookie to another (CVE-2025-48947). Responses with immutable headers are copied.
 */
export declare function withNoStore(response: Response): Response;
