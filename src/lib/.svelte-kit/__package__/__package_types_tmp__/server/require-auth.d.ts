import { type RequestEvent } from '@sveltejs/kit';
import type { SignedInAuth } from './auth-context.js';
/** Options of {@link requireAuth}. */
export interface RequireAuthOptions {
    /** Where a signed-out user is sent. Default `'/login'`. */
    loginPath?: string;
}
/**
 * Returns the signed-in auth of a request, or throws a 303 redirect to `loginPath` with
 * `redirectTo` carrying the current path and query (a same-origin path only).
 *
 * ```ts
 * export const load = async (event) => {
 *   const auth = await requireAuth(event);
 *   return { user: auth.user };
 * };
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when `createAuthHandle` is not installed.
 */
export declare function requireAuth(event: Pick<RequestEvent, 'locals' | 'url'>, options?: RequireAuthOptions): Promise<SignedInAuth>;
