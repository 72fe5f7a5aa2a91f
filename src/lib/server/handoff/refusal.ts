import type { RequestEvent } from '@sveltejs/kit';
import { batchedCookies, CookieBatch } from '../../cookies/cookie-batch.js';
import type { AuthErrorCode } from '../../errors.js';
import { handoffRedirectUri, type HandoffConfig } from '../config/handoff-config.js';
import { handoffRefusalCode } from '../http/protocol-errors.js';
import { errorLocation, seeOther } from '../http/responses.js';
import type { Runtime } from '../runtime/runtime.js';
import { APP_INITIATED_PREFIX } from './start.js';

/**
 * An app-initiated handoff the authorization server refused (`?error=login_required&state=…`): the
 * transaction is spent and the user lands on the error page with a fixed code. The server's
 * `error_description` is never reflected (docs/SECURITY.md C10).
 */
export async function answerRefusal(event: RequestEvent, config: HandoffConfig, runtime: Runtime): Promise<Response> {
	const batch = new CookieBatch();
	const params = event.url.searchParams;
	const states = params.getAll('state');
	const errors = params.getAll('error');
	const appUrl = runtime.appUrl(event);
	let code: AuthErrorCode = 'invalid_state';
	if (states.length === 1 && errors.length === 1 && states[0].startsWith(APP_INITIATED_PREFIX)) {
		const cookies = batchedCookies(event.cookies, batch);
		const { shared } = config;
		const tx = await runtime.transactions
			.get(cookies, states[0], { issuer: shared.issuer.href, clientId: shared.clientId, redirectUri: handoffRedirectUri(config, appUrl), kind: 'handoff' })
			.catch(() => null);
		runtime.transactions.delete(cookies, states[0]);
		// RFC 9207: an answer naming another issuer is not this server's refusal.
		const iss = params.get('iss');
		const issuerMatches = iss === null || iss.replace(/\/$/, '') === shared.issuerId.replace(/\/$/, '');
		if (tx && issuerMatches) code = handoffRefusalCode(errors[0]);
	}
	runtime.report({ code, phase: 'handoff', message: 'the authorization server refused an app-initiated handoff' });
	return seeOther(event, errorLocation(config.errorRedirect, appUrl.origin, code), batch);
}
