import type { RequestEvent } from '@sveltejs/kit';
import { misuse } from '../errors.js';
import { handoffSetupOf } from './http/request-state.js';
import { buildHandoffStart } from './handoff/start.js';

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
export async function startHandoff(event: RequestEvent, options: { returnTo?: string } = {}): Promise<string> {
	const setup = handoffSetupOf(event.locals);
	if (!setup) {
		throw misuse('ERR_INVALID_ARGUMENT', 'startHandoff: createHandoffHandler(...) is not in `handle` in src/hooks.server.ts');
	}
	return (await buildHandoffStart(event, event.cookies, setup.config, setup.runtime.get(), options.returnTo)).href;
}
