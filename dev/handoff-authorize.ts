import type { IncomingMessage, ServerResponse } from 'node:http';
import { redirect303, sendText } from './http.ts';
import type { IdpSession } from './portal.ts';

// App-initiated Smart Handoff: the app sends the browser to `/auth?handoff=true&prompt=none&
// client_id=…&redirect_uri=…&state=…`. Intercepted in front of oidc-provider: with an IdP session
// the browser goes straight back with a handoff token bound to the app's own state; without one it
// goes back with `error=login_required` (the prompt=none answer of OIDC Core §3.1.2.6).

export interface HandoffAuthorizeOptions {
	issuer: string;
	/** The registered redirect URIs of a client, or undefined for an unknown client. */
	redirectUrisOf(clientId: string): Promise<string[] | undefined>;
	currentSession(req: IncomingMessage, res: ServerResponse): Promise<IdpSession | null>;
	mintHandoff(input: { clientId: string; sub: string; state: string; codeChallenge?: string }): Promise<string>;
	/** Applied to every redirect back to the client (the misbehave hook). */
	rewriteRedirect(url: URL): URL;
	onRequest(): void;
}

// The app's state travels back in the URL and inside the handoff token; longer is not a state.
const MAX_STATE_LENGTH = 512;
const PARAMETERS = ['handoff', 'client_id', 'redirect_uri', 'state', 'prompt', 'code_challenge', 'code_challenge_method'];
// RFC 7636 S256: the token is then bound to the browser that started the handoff.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** True when the request is an app-initiated handoff request this module must answer. */
export function isHandoffAuthorization(req: IncomingMessage, url: URL): boolean {
	return url.pathname === '/auth' && (req.method === 'GET' || req.method === 'HEAD') && url.searchParams.has('handoff');
}

export function createHandoffAuthorize(options: HandoffAuthorizeOptions) {
	const { issuer } = options;

	return async function handoffAuthorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		options.onRequest();
		const params = url.searchParams;
		// A repeated parameter is ambiguous; refuse before trusting any redirect_uri (row C4).
		for (const name of PARAMETERS) {
			if (params.getAll(name).length > 1) return sendText(res, 400, `invalid_request: ${name} must be provided only once`);
		}
		if (params.get('handoff') !== 'true') return sendText(res, 400, 'invalid_request: handoff must be "true"');
		const clientId = params.get('client_id');
		const redirectUri = params.get('redirect_uri');
		if (clientId === null || redirectUri === null) {
			return sendText(res, 400, 'invalid_request: client_id and redirect_uri are required');
		}
		// Exact string match against the registration; until it passes, nothing may redirect anywhere.
		const registered = await options.redirectUrisOf(clientId);
		if (registered === undefined) return sendText(res, 400, 'invalid_client: unknown client_id');
		if (!registered.includes(redirectUri)) {
			return sendText(res, 400, 'invalid_request: redirect_uri is not registered for this client');
		}

		const state = params.get('state');
		const stateValid = state !== null && state !== '' && state.length <= MAX_STATE_LENGTH;
		const back = (values: Record<string, string>) => {
			const target = new URL(redirectUri);
			for (const [name, value] of Object.entries(values)) target.searchParams.set(name, value);
			redirect303(res, options.rewriteRedirect(target).href);
		};
		// Errors carry `iss` (RFC 9207) and the state when there is one; a handoff success carries
		// only the two values the app's handoff handler strips from the address bar.
		const error = (code: string) => back({ error: code, ...(stateValid ? { state } : {}), iss: issuer });

		const prompt = params.get('prompt');
		if (prompt !== null && prompt !== 'none') return error('invalid_request');
		if (!stateValid) return error('invalid_request');

		const codeChallenge = params.get('code_challenge');
		if (codeChallenge !== null && (params.get('code_challenge_method') !== 'S256' || !S256_CHALLENGE.test(codeChallenge))) return error('invalid_request');

		const session = await options.currentSession(req, res);
		if (session === null) return error('login_required');
		const handoffToken = await options.mintHandoff({
			clientId,
			sub: session.accountId,
			state: state as string,
			...(codeChallenge === null ? {} : { codeChallenge })
		});
		back({ handoff_token: handoffToken, state });
	};
}
