import type { RequestEvent } from '@sveltejs/kit';
import type { CookieBatch } from '../../cookies/cookie-batch.js';
import { requestState } from '../http/request-state.js';
import type { Runtime } from '../runtime/runtime.js';

/**
 * Consumes the result a handoff left for the request after its 303 (only when its cookie is there):
 * the carry-over state for `locals.auth`, once. The result counts only while the session it was made
 * for is the one in use. It also tells a route's `verifyHandoffToken` that the hook already redeemed
 * the one-time token for this browser.
 */
export async function takeHandoffResult(
	runtime: Runtime,
	event: Pick<RequestEvent, 'request' | 'url' | 'locals'>,
	sid: string,
	batch: CookieBatch
): Promise<Record<string, unknown> | null> {
	const header = event.request.headers.get('cookie') ?? '';
	const results = runtime.handoffResult;
	if (!header.includes(results.marker)) return null;
	const attributes = runtime.session.attributes(runtime.cookieUrl(event));
	const { result, present } = await results.read(results.cookiesIn(header), attributes);
	results.clear(batch, attributes, present);
	if (!result || result.sid !== sid) return null;
	requestState(event.locals).handoffDone = true;
	return result.carryOverState;
}
