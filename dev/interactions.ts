/// <reference path="./oidc-provider.d.ts" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { DEV_ACR_MFA, DEV_ACR_PASSWORD } from './clients.ts';
import { readForm, sendHtml } from './http.ts';
import { consentPage, errorPage, pageCsp, signInPage, type PageContext } from './pages.ts';

// The dev IdP's own sign-in and consent pages, in place of oidc-provider's devInteractions (whose
// pages load a web font, have unlabelled inputs and a debug block). Same routes and form fields as
// devInteractions, so scripts that drove those drive these:
//   GET  /interaction/:uid        the sign-in or consent page
//   POST /interaction/:uid        prompt=login (login, password) or prompt=consent
//   GET  /interaction/:uid/abort  cancel: the app gets access_denied

export interface InteractionOptions extends PageContext {
	provider: Provider;
	account(accountId: string): { name: string; email?: string };
}

const MAX_FORM_BYTES = 4096;
const PATH = /^\/interaction\/([\w-]{1,64})(\/abort)?$/;

/** True when the request is for one of the interaction routes. */
export function isInteraction(url: URL): boolean {
	return PATH.test(url.pathname);
}

interface Details {
	uid: string;
	prompt: { name: string; details: Record<string, unknown> };
	params: Record<string, unknown>;
	session?: { accountId?: string };
	grantId?: string;
}

export function createInteractions(options: InteractionOptions) {
	const { provider } = options;

	function fail(res: ServerResponse, status: number, code: string, description: string): void {
		sendHtml(res, errorPage(options, { code, description }), pageCsp(), status);
	}

	async function clientOf(clientId: unknown): Promise<{ name: string; redirectUris: string[] }> {
		const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
		return {
			name: client?.clientName ?? (typeof clientId === 'string' ? clientId : 'the app'),
			redirectUris: client ? [...client.redirectUris] : []
		};
	}

	async function render(res: ServerResponse, details: Details, error?: string): Promise<void> {
		const { uid, prompt, params } = details;
		const client = await clientOf(params.client_id);
		const action = `/interaction/${uid}`;
		const cancel = `/interaction/${uid}/abort`;
		// The form posts here, then the IdP redirects to the app: form-action must allow its origin.
		const csp = pageCsp({ formTargets: [typeof params.redirect_uri === 'string' ? params.redirect_uri : '', ...client.redirectUris] });
		if (prompt.name === 'login') {
			const loginHint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
			const acrValues = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
			const askOtp = acrValues.includes(DEV_ACR_MFA);
			return sendHtml(res, signInPage(options, { action, cancel, clientName: client.name, loginHint, error, askOtp }), csp, error ? 400 : 200);
		}
		if (prompt.name === 'consent') {
			const accountId = details.session?.accountId ?? '';
			const requested = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
			const claims = ((prompt.details.missingOIDCClaims as string[] | undefined) ?? []).filter(
				(claim) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(claim)
			);
			return sendHtml(
				res,
				consentPage(options, { action, cancel, clientName: client.name, account: options.account(accountId), scopes: requested, claims }),
				csp
			);
		}
		fail(res, 501, 'not_implemented', `The dev identity provider has no page for the "${prompt.name}" step.`);
	}

	async function submit(req: IncomingMessage, res: ServerResponse, details: Details): Promise<void> {
		const form = await readForm(req, MAX_FORM_BYTES);
		if (form === null) return fail(res, 400, 'invalid_request', 'The form could not be read. Go back and try again.');
		const step = form.get('prompt');
		if (step !== details.prompt.name) {
			return fail(res, 400, 'invalid_request', 'This page is out of date. Go back to the app and sign in again.');
		}
		if (step === 'login') {
			const login = form.get('login') ?? '';
			if (login.trim() === '') return render(res, details, 'Enter a user name. Any name and any password sign in.');
			// A one-time code (any six digits in the dev IdP) makes the sign-in multi-factor.
			const otp = (form.get('otp') ?? '').trim();
			if (otp !== '' && !/^\d{6}$/.test(otp)) return render(res, details, 'A one-time code is six digits. Leave it empty to sign in with the password alone.');
			const result = otp === '' ? { accountId: login, acr: DEV_ACR_PASSWORD, amr: ['pwd'] } : { accountId: login, acr: DEV_ACR_MFA, amr: ['pwd', 'otp'] };
			await provider.interactionFinished(req, res, { login: result }, { mergeWithLastSubmission: false });
			return;
		}
		if (step === 'consent') {
			const promptDetails = details.prompt.details as {
				missingOIDCScope?: string[];
				missingOIDCClaims?: string[];
				missingResourceScopes?: Record<string, string[]>;
			};
			const grant = details.grantId
				? await provider.Grant.find(details.grantId)
				: new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
			if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
			if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
			for (const [indicator, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
				grant.addResourceScope(indicator, scopes.join(' '));
			}
			const grantId: string = await grant.save();
			await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
			return;
		}
		fail(res, 501, 'not_implemented', 'The dev identity provider cannot complete this step.');
	}

	return async function interaction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const [, uid, abort] = PATH.exec(url.pathname) ?? [];
		const method = req.method ?? 'GET';
		const allowed = abort ? ['GET'] : ['GET', 'POST'];
		if (!allowed.includes(method)) {
			res.setHeader('allow', allowed.join(', '));
			return fail(res, 405, 'method_not_allowed', 'This page cannot be used that way.');
		}
		let details: Details;
		try {
			details = (await provider.interactionDetails(req, res)) as Details;
		} catch {
			// No interaction cookie, or the interaction or its session expired (10 minutes).
			return fail(res, 400, 'session_not_found', 'This sign-in has expired or was already completed. Go back to the app and sign in again.');
		}
		if (details.uid !== uid) {
			return fail(res, 400, 'session_not_found', 'This sign-in page belongs to another sign-in. Go back to the app and sign in again.');
		}
		if (abort) {
			await provider.interactionFinished(
				req,
				res,
				{ error: 'access_denied', error_description: 'End-User aborted interaction' },
				{ mergeWithLastSubmission: false }
			);
			return;
		}
		if (method === 'POST') return submit(req, res, details);
		await render(res, details);
	};
}
