import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeReturnTo } from '../src/lib/server/http/return-to.ts';
import { PORTAL_CLIENT_ID } from './clients.ts';
import { escapeHtml, readForm, redirect303, sendHtml, sendText } from './http.ts';
import { pageCsp, portalSignedInPage, portalSignedOutPage } from './pages.ts';

// The IdP portal: the page a user who is already signed in at the IdP sees, with the seed's
// "Open App" button (IdP-initiated Smart Handoff).

export interface IdpSession {
	accountId: string;
	/** Stable for the life of the IdP session (oidc-provider rotates the session id, not the uid). */
	uid: string;
}

export interface PortalOptions {
	issuer: string;
	appOrigin: string;
	/** The client the "Open App" handoff is minted for, and what the portal calls it. */
	appClientId: string;
	appName: string;
	currentSession(req: IncomingMessage, res: ServerResponse): Promise<IdpSession | null>;
	account(accountId: string): Promise<{ sub: string; email?: string; name?: string }>;
	mintHandoff(input: { clientId: string; sub: string; state: string }): Promise<string>;
}

const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 1000;
const MAX_FORM_BYTES = 4096;

/**
 * Returns the portal's request handler; it answers `true` when it served the request. Routes:
 * `GET /` (the page), `GET /portal/sign-in` and `GET /portal/callback` (a code flow of the `portal`
 * client through devInteractions, which is what establishes the IdP session), `POST
 * /portal/open-app` (mint a handoff for the signed-in user and 303 to the app).
 */
export function createPortal(options: PortalOptions) {
	const { issuer, appOrigin } = options;
	const issuerOrigin = new URL(issuer).origin;
	const csrfKey = randomBytes(32);
	// Sign-in attempts by state: where to go back to. In memory: the dev IdP is one process.
	const pending = new Map<string, { target: string | null; expiresAt: number }>();

	function csrfToken(session: IdpSession): string {
		return createHmac('sha256', csrfKey).update(`portal/open-app/${session.uid}`).digest('base64url');
	}

	function csrfValid(session: IdpSession, presented: string | undefined): boolean {
		if (presented === undefined) return false;
		const expected = Buffer.from(csrfToken(session));
		const actual = Buffer.from(presented);
		return actual.length === expected.length && timingSafeEqual(actual, expected);
	}

	// The seed's "Open App" is a cross-site navigation to the app: the form may post only to us and
	// then redirect to the app (Chrome applies form-action to the redirect as well).
	const csp = pageCsp({ formTargets: [appOrigin] });

	async function home(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const session = await options.currentSession(req, res);
		const target = url.searchParams.get('target');
		const targetField = target === null ? '' : `<input type="hidden" name="target" value="${escapeHtml(target)}">`;
		const pages = { issuer };
		if (session === null) return sendHtml(res, portalSignedOutPage(pages, { targetField }), csp);
		const account = await options.account(session.accountId);
		const destination = new URL(safeReturnTo(target, appOrigin, '/'), appOrigin).href;
		sendHtml(
			res,
			portalSignedInPage(pages, { account, csrf: csrfToken(session), targetField, appName: options.appName, destination }),
			csp
		);
	}

	function signIn(res: ServerResponse, url: URL): void {
		const now = Date.now();
		for (const [state, entry] of pending) if (entry.expiresAt <= now) pending.delete(state);
		while (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
		const state = randomBytes(16).toString('base64url');
		pending.set(state, { target: url.searchParams.get('target'), expiresAt: now + PENDING_TTL_MS });
		// The portal only needs the IdP session the login interaction establishes; the code the flow
		// ends with is never redeemed, so the verifier is thrown away (PKCE is still required).
		const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
		const authorize = new URL('/auth', issuer);
		authorize.search = new URLSearchParams({
			client_id: PORTAL_CLIENT_ID,
			response_type: 'code',
			scope: 'openid',
			redirect_uri: `${issuer}/portal/callback`,
			state,
			code_challenge: challenge,
			code_challenge_method: 'S256'
		}).toString();
		redirect303(res, authorize.href);
	}

	function callback(res: ServerResponse, url: URL): void {
		const state = url.searchParams.get('state');
		const entry = state === null ? undefined : pending.get(state);
		if (state !== null) pending.delete(state);
		const target = entry && entry.expiresAt > Date.now() ? entry.target : null;
		redirect303(res, target === null ? '/' : `/?${new URLSearchParams({ target })}`);
	}

	async function openApp(req: IncomingMessage, res: ServerResponse): Promise<void> {
		// SameSite=Lax already keeps the IdP session cookie off cross-site POSTs; these checks and the
		// session-bound CSRF token make the form safe on their own too.
		const origin = req.headers.origin;
		if (origin !== undefined && origin !== issuerOrigin) return sendText(res, 403, 'cross-site request refused');
		const site = req.headers['sec-fetch-site'];
		if (site !== undefined && site !== 'same-origin' && site !== 'none') {
			return sendText(res, 403, 'cross-site request refused');
		}
		const form = await readForm(req, MAX_FORM_BYTES);
		if (form === null) return sendText(res, 400, 'invalid_request');
		const session = await options.currentSession(req, res);
		if (session === null) return redirect303(res, '/');
		if (!csrfValid(session, form.get('csrf'))) return sendText(res, 403, 'invalid CSRF token');

		const target = new URL(safeReturnTo(form.get('target'), appOrigin, '/'), appOrigin);
		// IdP-initiated: no app transaction exists, so the state is fresh and random (seed 001).
		const state = randomBytes(32).toString('base64url');
		const account = await options.account(session.accountId);
		const handoffToken = await options.mintHandoff({ clientId: options.appClientId, sub: account.sub, state });
		target.searchParams.delete('handoff_token');
		target.searchParams.delete('state');
		target.searchParams.append('handoff_token', handoffToken);
		target.searchParams.append('state', state);
		redirect303(res, target.href);
	}

	return async function portal(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
		const method = req.method ?? 'GET';
		switch (url.pathname) {
			case '/':
				if (method !== 'GET' && method !== 'HEAD') return false;
				await home(req, res, url);
				return true;
			case '/portal/sign-in':
				if (method !== 'GET') return false;
				signIn(res, url);
				return true;
			case '/portal/callback':
				if (method !== 'GET') return false;
				callback(res, url);
				return true;
			case '/portal/open-app':
				if (method !== 'POST') {
					sendText(res, 405, 'method not allowed');
					return true;
				}
				await openApp(req, res);
				return true;
			default:
				return false;
		}
	};
}
