import type { Cookies, RequestEvent } from '@sveltejs/kit';
import type { HandoffRuntime } from './handoff-options.js';
/**
 * States this app mints start with this, so a browser that holds no transaction for one knows the
 * pair was started in another browser and refuses it (H3 a). IdP-initiated states are the server's
 * own random values; one that happened to carry the prefix would merely be refused.
 */
export declare const APP_INITIATED_PREFIX = "hoa_";
/**
 * Saves a handoff transaction for this browser and returns the authorization URL that asks the
 * authorization server for a silent handoff (`prompt=none`, `handoff=true`) bound to its state.
 */
export declare function buildHandoffStart(event: Pick<RequestEvent, 'url'>, cookies: Cookies, runtime: HandoffRuntime, returnTo: string | null | undefined): Promise<URL>;
/**
 * Starts an app-initiated handoff from a load function or action: saves a transaction bound to this
 * browser and returns the authorization URL to send the user to. Uses the configuration of the app's
 * `createHandoffHandler`.
 *
 * ```ts
 * export const load = async (event) => redirect(303, await startHandoff(event, { returnTo: '/dashboard' }));
 * ```
 *
 * On SvelteKit 3, `redirect` to another origin needs its `external` option; the handler's own
 * `/auth/handoff` route needs nothing.
 *
 * @throws TypeError (code `ERR_INVALID_ARGUMENT`) when no `createHandoffHandler` is installed.
 */
export declare function startHandoff(event: RequestEvent, options?: {
    returnTo?: string;
}): Promise<string>;
