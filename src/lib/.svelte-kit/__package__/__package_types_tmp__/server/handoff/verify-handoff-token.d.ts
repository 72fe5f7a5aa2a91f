import type { RequestEvent } from '@sveltejs/kit';
import type { AuthErrorCode } from '../../errors.js';
import type { AuthUser, SessionInfo } from '../../types.js';
import { type HandoffOptions } from './handoff-options.js';
/** The result of {@link verifyHandoffToken}: a value, never an exception for bad input. */
export type VerifyHandoffResult = {
    readonly success: true;
    readonly session: SessionInfo;
    readonly user: AuthUser;
} | {
    readonly success: false;
    readonly error: AuthErrorCode;
};
/**
 * Verifies the handoff in the request URL from a load function (seed 001's manual form): the same
 * checks as `createHandoffHandler`, then the session cookie is written through `event.cookies`.
 * When the handler has already redeemed the token for this browser (it answered the 303 that led
 * here), the result is the session it created, so the hook and the route never fight over the
 * one-time token.
 *
 * ```ts
 * export const load = async (event) => {
 *   const result = await verifyHandoffToken(event, { issuer, clientId });
 *   if (!result.success) redirect(302, '/login?error=' + result.error);
 *   redirect(302, '/dashboard');
 * };
 * ```
 *
 * @param options Default: the configuration of the app's `createHandoffHandler`.
 * @throws TypeError (code `ERR_INVALID_OPTION`) for invalid options — never for bad input.
 */
export declare function verifyHandoffToken(event: RequestEvent, options?: HandoffOptions): Promise<VerifyHandoffResult>;
