import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import type { Handle } from '../handle-type.js';
import { type HandoffOptions, type HandoffRuntime } from './handoff-options.js';
/** Options of {@link createHandoffHandler}. */
export type HandoffHandlerOptions = HandoffOptions;
/** A 303 the hook answers itself, so it carries its cookies as Set-Cookie headers (TOOLCHAIN.md). */
export declare function seeOther(event: RequestEvent, location: string, batch: CookieBatch): Response;
/**
 * Creates the hook that completes Smart Handoff SSO (seed 001). On a GET whose URL carries
 * `handoff_token`, it POSTs `{ handoff_token, state, client_id }` to the issuer's verify endpoint,
 * writes a new sealed session cookie and answers **303 See Other** to the same URL without
 * `handoff_token` and `state` (every other parameter kept), with `Referrer-Policy: no-referrer` and
 * `Cache-Control: no-store`. Any failure answers 303 to `errorRedirect(code)`, with no session
 * written and an existing session untouched. It also serves `startPath` (default `/auth/handoff`),
 * which starts an app-initiated handoff bound to this browser.
 *
 * ```ts
 * export const handle = sequence(
 *   createAuthHandle({ issuer, clientId }),
 *   createHandoffHandler({ issuer, clientId, errorRedirect: '/login?error=handoff_failed' })
 * );
 * ```
 *
 * @throws TypeError (code `ERR_INVALID_OPTION`) at construction for invalid options.
 */
export declare function createHandoffHandler(options: HandoffHandlerOptions): Handle;
export declare function defaultHandoffRuntime(): HandoffRuntime | undefined;
