/// <reference path="./oidc-provider.d.ts" />
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { KoaContextWithOIDC, Provider as OidcProvider } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import {
	createHandoffIssuer,
	createHandoffVerifyEndpoint,
	type HandoffVerifyProtocol,
	type IssuedHandoffTokens,
	type MintHandoffInput
} from '../src/lib/provider/index.ts';
import { InMemoryHandoffStateStore } from '../src/lib/stores/memory-handoff-state-store.ts';
import {
	DEFAULT_APP_ORIGIN,
	DEMO_CLIENT_ID,
	DEMO_CLIENT_NAME,
	demoClients,
	DEV_ACR_MFA,
	DEV_ACR_PASSWORD,
	fapiClient,
	isFapiClientId,
	HANDOFF_VERIFY_PATH,
	portalClient
} from './clients.ts';
import { countingMiddleware, createCounters, resetCounters, type DevIdpCounters } from './counters.ts';
import { createHandoffAuthorize, isHandoffAuthorization } from './handoff-authorize.ts';
import { PAGE_HEADERS, sendText } from './http.ts';
import { createInteractions, isInteraction } from './interactions.ts';
import { errors, Provider } from './load-oidc-provider.ts';
import { idTokenResigner, misbehaveMiddleware, type ClaimsMutator, type DevIdpMisbehave } from './misbehave.ts';
import { serveWebHandler } from './node-adapter.ts';
import { errorPage, pageCsp, signedOutPage, signingOutPage, signOutPage, SUBMIT_SIGN_OUT, type PageContext } from './pages.ts';
import { createPortal, type IdpSession } from './portal.ts';

export type { DevIdpCounters } from './counters.ts';
export type { ClaimsMutator, DevIdpMisbehave } from './misbehave.ts';

/** Options of {@link startDevIdp}. */
export interface StartDevIdpOptions {
	/** TCP port on 127.0.0.1; `0` (the default) picks a free one. */
	port?: number;
	/** The demo app's origin; the demo clients' redirect URIs hang off it. Default `http://127.0.0.1:5173`. */
	appOrigin?: string;
	/** Extra oidc-provider client metadata, registered beside `demo`, `demo-public` and `portal`. */
	clients?: Record<string, unknown>[];
	/** Rotate refresh tokens on every use (reuse of a rotated one then revokes the grant). Default `true`. */
	rotateRefreshTokens?: boolean;
	/** Access token lifetime in seconds. Default `3600`. */
	accessTokenTtl?: number;
	/** Handoff token lifetime in seconds. Default `60`. */
	handoffTtlSeconds?: number;
	/** Misbehaviour for attack tests; also assignable later through `idp.misbehave`. */
	misbehave?: DevIdpMisbehave;
	/**
	 * The handoff verify contracts served (docs/CONTRACTS.md). Default: from `DEV_IDP_HANDOFF_PROTOCOL`
	 * (`seed-2025`, `authrim-2026`, or `both`), else both: a call with a DPoP proof gets Authrim's 2026
	 * answer (a DPoP-bound access token), any other the seed's.
	 */
	handoffProtocols?: HandoffVerifyProtocol[];
	/** Demand a DPoP nonce on 2026 verify calls (RFC 9449 §8). Default: `DEV_IDP_DPOP_NONCE=1`. */
	handoffDpopNonce?: boolean;
	/**
	 * IPSIE SL1: ID tokens of the FAPI clients carry `session_expiry`, this many seconds after the
	 * user's authentication (the enterprise session's end). Default 8 hours.
	 */
	sessionExpirySeconds?: number;
	/** Require pushed authorization requests (RFC 9126) of every client, and say so in the metadata. Default false. */
	requirePushedAuthorizationRequests?: boolean;
	/**
	 * oidc-provider's DPoP nonces (RFC 9449 §8): every DPoP proof at its token and userinfo endpoints
	 * must carry a current server nonce, else the answer is `use_dpop_nonce` with a `DPoP-Nonce`.
	 * Default false (no nonces issued).
	 */
	dpopNonce?: boolean;
}

/** The contracts `DEV_IDP_HANDOFF_PROTOCOL` selects; a value it does not know stops the start. */
function handoffProtocolsFromEnv(): HandoffVerifyProtocol[] {
	const value = process.env.DEV_IDP_HANDOFF_PROTOCOL ?? 'both';
	if (value === 'both') return ['seed-2025', 'authrim-2026'];
	if (value === 'seed-2025' || value === 'authrim-2026') return [value];
	throw new TypeError(`DEV_IDP_HANDOFF_PROTOCOL must be seed-2025, authrim-2026 or both, got ${JSON.stringify(value)}`);
}

/** A running dev IdP. */
export interface DevIdp {
	/** `http://127.0.0.1:<port>`, never `localhost` (an issuer mismatch otherwise). */
	readonly issuer: string;
	readonly port: number;
	readonly appOrigin: string;
	/** The oidc-provider instance (to mint tokens, find grants, listen to events). */
	readonly provider: OidcProvider;
	/** Live counters; `resetCounters()` zeroes them in place. */
	readonly counters: DevIdpCounters;
	resetCounters(): void;
	/** The current misbehaviour hooks, read at request time; assign `{}` to behave again. */
	misbehave: DevIdpMisbehave;
	/** The FAPI clients' `session_expiry` offset from `auth_time`, in seconds; read at token time. */
	sessionExpirySeconds: number;
	/** Mints a handoff token exactly as the portal and the app-initiated flow do. */
	mintHandoff(input: MintHandoffInput): Promise<string>;
	/**
	 * An `onTokenResponse` hook that re-signs the ID token with the IdP's own key after `mutate`:
	 * `idp.misbehave = { onTokenResponse: idp.resignIdToken((c) => ({ ...c, nonce: 'x' })) }`.
	 */
	resignIdToken(mutate: ClaimsMutator): (body: Record<string, unknown>) => Promise<void>;
	/** Signs any JWT with the IdP's key (`alg` RS256 and its `kid` unless `header` overrides them). */
	signJwt(claims: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>;
	stop(): Promise<void>;
}

const DAY = 24 * 60 * 60;
const GRANT_TTL = 14 * DAY;
// The scopes the handoff's own tokens carry: what a first-party sign-in at the demo app asks for.
const HANDOFF_SCOPE = 'openid email profile';

/**
 * When the browser is not signed in at the IdP, oidc-provider answers an end-session request with a
 * bare self-submitting form of its own (form_post), not logoutSource; this gives it the look of the
 * dev IdP's pages. Same form, same values, same automatic submit.
 */
function signingOutWithoutSession(pages: PageContext) {
	return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
		await next();
		if (ctx.oidc?.route !== 'end_session' || ctx.status !== 200 || !ctx.response.is('html')) return;
		const { session, client, params } = ctx.oidc;
		if (session?.accountId || typeof session?.state?.secret !== 'string') return;
		const returnTo: unknown = params?.post_logout_redirect_uri;
		ctx.set('content-security-policy', pageCsp({ formTargets: typeof returnTo === 'string' ? [returnTo] : [], scripts: [SUBMIT_SIGN_OUT] }));
		for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
		ctx.body = signingOutPage(pages, {
			action: ctx.oidc.urlFor('end_session_confirm'),
			xsrf: session.state.secret,
			clientName: client ? (client.clientName ?? client.clientId) : undefined
		});
	};
}

/** The claims of a dev account: any login is an account, named after itself. */
export function devAccountClaims(sub: string): { sub: string; email: string; email_verified: true; name: string } {
	const name = sub.length === 0 ? sub : sub[0].toUpperCase() + sub.slice(1);
	return { sub, email: `${sub}@example.test`, email_verified: true, name };
}

/**
 * Starts panva's oidc-provider on 127.0.0.1 with the Smart Handoff side of sveltekit-sso in front of
 * it: the verify endpoint, the IdP portal with "Open App", and app-initiated handoffs.
 *
 * Routes besides oidc-provider's own (`/auth`, `/token`, `/me`, `/jwks`, `/session/end`,
 * `/token/introspection`, `/token/revocation`, discovery):
 * - `/interaction/:uid` — the dev IdP's own sign-in and consent pages (interactions.ts).
 * - `POST /auth/external/handoff/verify` — the seed's verify endpoint (clients `demo` with Basic auth,
 *   `demo-public` without); answers real oidc-provider access and refresh tokens.
 * - `GET /` — the portal; `GET /portal/sign-in`, `GET /portal/callback`, `POST /portal/open-app`.
 * - `GET /auth?handoff=true&prompt=none&client_id&redirect_uri&state` — app-initiated handoff.
 */
export async function startDevIdp(options: StartDevIdpOptions = {}): Promise<DevIdp> {
	const appOrigin = options.appOrigin ?? DEFAULT_APP_ORIGIN;
	const counters = createCounters();
	let misbehave: DevIdpMisbehave = options.misbehave ?? {};
	let dispatch: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

	const server = createServer((req, res) => {
		if (dispatch === undefined) return sendText(res, 503, 'starting');
		dispatch(req, res).catch((error: unknown) => {
			console.error('[dev-idp] request failed:', error);
			if (!res.headersSent) sendText(res, 500, 'server_error');
			else res.destroy();
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	const issuer = `http://127.0.0.1:${port}`;

	const { privateKey } = await generateKeyPair('RS256', { extractable: true });
	const kid = randomBytes(8).toString('base64url');
	const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

	// FAPI 2.0 clients sign ID tokens with ES256 (FAPI 2.0 §5.4: PS256, ES256 or EdDSA only).
	const { privateKey: ecKey } = await generateKeyPair('ES256', { extractable: true });
	const ecJwk = { ...(await exportJWK(ecKey)), kid: randomBytes(8).toString('base64url'), alg: 'ES256', use: 'sig' };
	let sessionExpirySeconds = options.sessionExpirySeconds ?? 8 * 60 * 60;

	const registered = [...demoClients(appOrigin), fapiClient(appOrigin), portalClient(issuer), ...(options.clients ?? [])];
	const pages: PageContext = { issuer };
	const accountName = (accountId: unknown) => {
		const claims = devAccountClaims(typeof accountId === 'string' ? accountId : '');
		return { name: claims.name || claims.sub || 'someone', email: claims.email };
	};

	// oidc-provider renders these three pages itself (rpInitiatedLogout.logoutSource,
	// postLogoutSuccessSource, renderError); the dev IdP gives them its own look and CSP.
	function pageOf(ctx: KoaContextWithOIDC, html: string, csp: string): void {
		ctx.set('content-security-policy', csp);
		for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
		ctx.type = 'html';
		ctx.body = html;
	}

	/**
	 * The end-session page while the browser is signed in here. An app that sends its user here names
	 * itself and a registered post_logout_redirect_uri (oidc-provider checked both): the user already
	 * chose to sign out in that app, so the page submits itself and the sign-out is that one click.
	 * (A production identity provider would ask, or insist on a valid id_token_hint; for the dev IdP a
	 * forged link can at worst sign you out of it.) A request that names no app to go back to — the
	 * portal's "Sign out", a typed URL — asks first.
	 */
	async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
		const returnTo: unknown = ctx.oidc.params.post_logout_redirect_uri;
		if (ctx.oidc.client && typeof returnTo === 'string') {
			const html = signingOutPage(pages, {
				action: ctx.oidc.urlFor('end_session_confirm'),
				xsrf: ctx.oidc.session.state.secret,
				clientName: ctx.oidc.client.clientName ?? ctx.oidc.client.clientId
			});
			return pageOf(ctx, html, pageCsp({ formTargets: [returnTo], scripts: [SUBMIT_SIGN_OUT] }));
		}
		pageOf(ctx, signOutPage(pages, { form, account: accountName(ctx.oidc.session.accountId) }), pageCsp());
	}

	async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
		const client = ctx.oidc.client;
		pageOf(ctx, signedOutPage(pages, { clientName: client ? (client.clientName ?? client.clientId) : undefined }), pageCsp());
	}

	async function renderError(ctx: KoaContextWithOIDC, out: Record<string, unknown>): Promise<void> {
		const code = typeof out.error === 'string' ? out.error : 'server_error';
		const description = typeof out.error_description === 'string' ? out.error_description : undefined;
		pageOf(ctx, errorPage(pages, { code, description }), pageCsp());
	}

	const provider = new Provider(issuer, {
		clients: registered,
		// oidc-provider's own in-memory adapter, chosen on purpose: the dev IdP forgets everything when it
		// stops. (Left to its default, oidc-provider warns at every start that it must be replaced.)
		adapter: createMemoryAdapter(),
		jwks: { keys: [jwk, ecJwk] },
		// The dev sign-in page asserts a password alone, or a password and a one-time code.
		acrValues: [DEV_ACR_PASSWORD, DEV_ACR_MFA],
		cookies: { keys: [randomBytes(32).toString('base64url')] },
		pkce: { required: () => true },
		responseTypes: ['code'],
		features: {
			// The sign-in and consent pages are the dev IdP's own (interactions.ts), on the same routes.
			devInteractions: { enabled: false },
			revocation: {
				enabled: true,
				// oidc-provider's default policy, stated so it does not log a notice at the first sign-out: a
				// client may revoke only its own tokens (a public client's attempt on another's is ignored).
				allowedPolicy: (_ctx: KoaContextWithOIDC, client: { clientAuthMethod: string; clientId: string }, token: { clientId: string }) => {
					if (token.clientId === client.clientId) return true;
					if (client.clientAuthMethod === 'none') return false;
					throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
				}
			},
			introspection: {
				enabled: true,
				// oidc-provider's default policy, stated so it does not log a notice on every call: a public
				// client may introspect only its own tokens.
				allowedPolicy: (ctx: KoaContextWithOIDC, client: { clientAuthMethod: string; clientId: string }, token: { clientId: string }) =>
					!(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId)
			},
			userinfo: { enabled: true },
			// DPoP-bound handoff tokens (the 2026 contract) and the FAPI client's tokens prove their key at
			// userinfo (RFC 9449 §7); with dpopNonce, oidc-provider demands its nonces (§8).
			dPoP: options.dpopNonce ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } : { enabled: true },
			rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
			backchannelLogout: { enabled: true },
			pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests ?? false },
			// FAPI 2.0 Security Profile for the FAPI demo clients only (isFapiClientId): issuer as the
			// client assertion's audience, PKCE, redirect_uri required; their registration adds PAR and
			// private_key_jwt. Every other client keeps the plain profile.
			fapi: {
				enabled: true,
				profile: (_ctx: KoaContextWithOIDC, client?: { clientId: string }) => (client && isFapiClientId(client.clientId) ? '2.0' : undefined)
			}
		},
		renderError,
		claims: { openid: ['sub', 'acr', 'amr', 'session_expiry'], email: ['email', 'email_verified'], profile: ['name'] },
		// The demo reads the user from the ID token; without this the claims would be userinfo-only.
		conformIdTokenClaims: false,
		async findAccount(ctx: KoaContextWithOIDC, sub: string, token?: { authTime?: number }) {
			// IPSIE SL1 session_expiry for FAPI clients: the enterprise session ends this long after the
			// authentication the code or refresh token carries.
			const clientId: unknown = ctx.oidc?.client?.clientId;
			const authTime = token?.authTime;
			const sessionExpiry = typeof clientId === 'string' && isFapiClientId(clientId) && typeof authTime === 'number' ? authTime + sessionExpirySeconds : undefined;
			return {
				accountId: sub,
				claims: async () => ({ ...devAccountClaims(sub), ...(sessionExpiry === undefined ? {} : { session_expiry: sessionExpiry }) })
			};
		},
		ttl: {
			AccessToken: options.accessTokenTtl ?? 3600,
			AuthorizationCode: 60,
			IdToken: 3600,
			Interaction: 600,
			Grant: GRANT_TTL,
			RefreshToken: GRANT_TTL,
			Session: GRANT_TTL
		},
		// By default a refresh token needs offline_access and prompt=consent; every client allowed the
		// refresh_token grant gets one here.
		async issueRefreshToken(_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(type: string): boolean }) {
			return client.grantTypeAllowed('refresh_token');
		},
		rotateRefreshToken: options.rotateRefreshTokens ?? true,
		// oidc-provider refuses outgoing requests to special-use addresses (SSRF protection), loopback
		// included; the dev IdP's apps live on loopback, so back-channel logout to them needs the plain
		// fetch. Every other destination keeps the protected dispatcher.
		fetch(url: URL | string, init: RequestInit & { dispatcher?: unknown }) {
			const { hostname } = new URL(url);
			if (hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost') {
				const { dispatcher: _ssrfGuard, ...rest } = init;
				return globalThis.fetch(url, rest);
			}
			return globalThis.fetch(url, init);
		},
		// Every client of the dev IdP is first-party: grant what it asks for without a consent screen.
		async loadExistingGrant(ctx: KoaContextWithOIDC) {
			const { client, session } = ctx.oidc;
			const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
			let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
			if (!grant || grant.accountId !== session.accountId) {
				grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
			}
			grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
			const claims = [...ctx.oidc.requestParamClaims];
			if (claims.length > 0) grant.addOIDCClaims(claims);
			await grant.save();
			return grant;
		}
	});
	provider.on('server_error', (_ctx: unknown, error: Error) => console.error('[dev-idp] server_error:', error));
	provider.on('backchannel.error', (_ctx: unknown, error: Error, client: { clientId: string }) =>
		console.warn(`[dev-idp] back-channel logout to client ${client.clientId} failed: ${error.message}`)
	);
	provider.use(signingOutWithoutSession(pages));
	provider.use(countingMiddleware(counters));
	provider.use(misbehaveMiddleware(() => misbehave, issuer));
	const oidc = provider.callback();

	const handoff = createHandoffIssuer({
		issuer,
		secret: randomBytes(32).toString('base64url'),
		store: new InMemoryHandoffStateStore(),
		ttlSeconds: options.handoffTtlSeconds ?? 60
	});
	async function mintHandoff(input: MintHandoffInput): Promise<string> {
		const token = await handoff.mint(input);
		counters.handoffsMinted++;
		return token;
	}

	async function issueTokens({ sub, clientId, jkt }: { sub: string; clientId: string; jkt?: string }): Promise<IssuedHandoffTokens> {
		const client = await provider.Client.find(clientId);
		if (!client) throw new Error(`dev IdP: client ${clientId} is not registered`);
		const grant = new provider.Grant({ accountId: sub, clientId });
		grant.addOIDCScope(HANDOFF_SCOPE);
		const grantId: string = await grant.save();
		// Not bound to an IdP browser session (the verify call is server to server), so they live
		// until their own expiry or until the grant is revoked.
		const common = { accountId: sub, client, grantId, scope: HANDOFF_SCOPE, gty: 'handoff', expiresWithSession: false };
		const accessToken = new provider.AccessToken(common);
		// The 2026 contract: bound to the key the verify call proved (cnf.jkt), and no refresh token.
		if (jkt !== undefined) accessToken.setThumbprint('jkt', jkt);
		const access_token: string = await accessToken.save();
		let refresh_token: string | undefined;
		if (jkt === undefined && client.grantTypeAllowed('refresh_token')) {
			const refreshToken = new provider.RefreshToken({ ...common, authTime: Math.floor(Date.now() / 1000), rotations: 0 });
			refresh_token = await refreshToken.save();
		}
		const account = devAccountClaims(sub);
		return {
			access_token,
			expires_in: accessToken.expiration,
			...(refresh_token === undefined ? {} : { refresh_token }),
			user: { id: sub, email: account.email, name: account.name },
			session: { id: grantId, createdAt: new Date(), expiresAt: new Date(Date.now() + GRANT_TTL * 1000) }
		};
	}

	const verifyClients: Record<string, { secret?: string; redirectUris?: string[] }> = {};
	for (const client of registered) {
		const id = client.client_id as string;
		const secret = client.token_endpoint_auth_method === 'none' ? undefined : (client.client_secret as string | undefined);
		// The 2026 contract's Origin check is against the client's registered redirect URIs.
		const redirectUris = Array.isArray(client.redirect_uris) ? (client.redirect_uris as string[]) : [];
		verifyClients[id] = { ...(secret === undefined ? {} : { secret }), redirectUris };
	}
	const verify = createHandoffVerifyEndpoint({
		issuer: handoff,
		clients: verifyClients,
		issueTokens,
		protocols: options.handoffProtocols ?? handoffProtocolsFromEnv(),
		dpopNonce: options.handoffDpopNonce ?? process.env.DEV_IDP_DPOP_NONCE === '1',
		onError: (error) => console.error('[dev-idp] handoff verify failed:', error)
	});

	async function currentSession(req: IncomingMessage, res: ServerResponse): Promise<IdpSession | null> {
		const session = await provider.Session.get(provider.createContext(req, res));
		return typeof session?.accountId === 'string' ? { accountId: session.accountId, uid: session.uid } : null;
	}

	const portal = createPortal({
		issuer,
		appOrigin,
		appClientId: DEMO_CLIENT_ID,
		appName: DEMO_CLIENT_NAME,
		currentSession,
		account: async (accountId) => devAccountClaims(accountId),
		mintHandoff
	});
	const interactions = createInteractions({ ...pages, provider, account: accountName });
	const handoffAuthorize = createHandoffAuthorize({
		issuer,
		async redirectUrisOf(clientId) {
			const client = await provider.Client.find(clientId);
			return client ? [...client.redirectUris] : undefined;
		},
		currentSession,
		mintHandoff,
		rewriteRedirect: (url) => misbehave.onAuthorizationRedirect?.(url) ?? url,
		onRequest: () => counters.handoffAuthorizations++
	});

	dispatch = async (req, res) => {
		const url = new URL(req.url ?? '/', issuer);
		if (misbehave.onRequest && (await misbehave.onRequest(req, res, url))) return;
		if (url.pathname === HANDOFF_VERIFY_PATH) {
			counters.verifyCalls++;
			return verifyAndCount(req, res);
		}
		if (isHandoffAuthorization(req, url)) return handoffAuthorize(req, res, url);
		if (isInteraction(url)) return interactions(req, res, url);
		if (await portal(req, res, url)) return;
		await oidc(req, res);
	};

	async function verifyAndCount(req: IncomingMessage, res: ServerResponse): Promise<void> {
		await serveWebHandler(
			async (request) => {
				const response = await verify(request);
				if (response.status === 200) counters.verifySuccesses++;
				return response;
			},
			req,
			res,
			issuer
		);
	}

	return {
		issuer,
		port,
		appOrigin,
		provider,
		counters,
		resetCounters: () => resetCounters(counters),
		get misbehave() {
			return misbehave;
		},
		set misbehave(value: DevIdpMisbehave) {
			misbehave = value ?? {};
		},
		get sessionExpirySeconds() {
			return sessionExpirySeconds;
		},
		set sessionExpirySeconds(value: number) {
			sessionExpirySeconds = value;
		},
		mintHandoff,
		resignIdToken: idTokenResigner(privateKey, { ES256: ecKey }),
		signJwt: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey),
		stop: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			})
	};
}
