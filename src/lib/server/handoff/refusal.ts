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
	let message = 'the authorization server refused an app-initiated handoff';
	let cause: unknown;
	if (states.length === 1 && errors.length === 1 && states[0].startsWith(APP_INITIATED_PREFIX)) {
		const cookies = batchedCookies(event.cookies, batch);
		const { shared } = config;
		const tx = await runtime.transactions
			.get(cookies, states[0], { issuer: shared.issuer.href, clientId: shared.clientId, redirectUri: handoffRedirectUri(config, appUrl), kind: 'handoff' })
			.catch(() => null);
		runtime.transactions.delete(cookies, states[0]);
		// Only a refusal this browser asked for costs a discovery look-up (cached once fetched).
		if (tx) {
			const issuer = await issuerCheck(runtime, params.getAll('iss'));
			if (issuer.ok) code = handoffRefusalCode(errors[0]);
			else ({ message, cause } = issuer);
		}
	}
	runtime.report({ code, phase: 'handoff', message, ...(cause === undefined ? {} : { cause }) });
	return seeOther(event, errorLocation(config.errorRedirect, appUrl.origin, code), batch);
}

/**
 * RFC 9207 §2.4, as the OIDC callback applies it through oauth4webapi (docs/SECURITY.md C7): `iss`
 * must equal the issuer identifier of the discovery metadata exactly (no trailing-slash folding), and
 * must be present when the metadata advertises `authorization_response_iss_parameter_supported`.
 * Without the metadata (discovery down or misconfigured) the answer cannot be attributed: not ok.
 */
async function issuerCheck(runtime: Runtime, values: string[]): Promise<{ ok: true } | { ok: false; message: string; cause?: unknown }> {
	if (values.length > 1) return { ok: false, message: 'a refused app-initiated handoff carries iss more than once' };
	let metadata;
	try {
		metadata = await runtime.discovery.get();
	} catch (cause) {
		return { ok: false, message: 'a refused app-initiated handoff cannot be checked: discovery failed', cause };
	}
	const [iss] = values;
	if (iss === undefined) {
		return metadata.authorization_response_iss_parameter_supported === true
			? { ok: false, message: 'a refused app-initiated handoff has no iss, which the issuer advertises (RFC 9207)' }
			: { ok: true };
	}
	return iss === metadata.issuer ? { ok: true } : { ok: false, message: 'a refused app-initiated handoff names another issuer (RFC 9207)' };
}
