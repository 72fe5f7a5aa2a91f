// The dev identity provider's registered clients, shared by the IdP, the demo app and the tests so
// that no test hard-codes a second copy of a secret or a redirect URI.

/** Where `node --import tsx dev/idp-cli.ts` listens unless `IDP_PORT` says otherwise. */
export const DEV_IDP_DEFAULT_PORT = 4000;

/** The demo app's origin unless `APP_ORIGIN` / `startDevIdp({ appOrigin })` says otherwise. */
export const DEFAULT_APP_ORIGIN = 'http://127.0.0.1:5173';

/** The IdP path of the Smart Handoff verify endpoint (seed 001). */
export const HANDOFF_VERIFY_PATH = '/auth/external/handoff/verify';

/** The confidential demo client (client_secret_basic). */
export const DEMO_CLIENT_ID = 'demo';
export const DEMO_CLIENT_SECRET = 'demo-secret-demo-secret-demo-secret-00';

/** What the dev IdP's pages call the demo clients ("Sign in to continue to …"). */
export const DEMO_CLIENT_NAME = 'sveltekit-sso demo';

/** The public demo client (no secret; PKCE is what protects its code). */
export const DEMO_PUBLIC_CLIENT_ID = 'demo-public';

/**
 * The FAPI 2.0 demo client: the dev IdP runs oidc-provider's FAPI 2.0 profile for it (pushed
 * authorization requests required, `private_key_jwt` with ES256, DPoP-bound tokens, ES256 ID tokens, PKCE). It has no
 * secret. `SSO_PROFILE=fapi` switches the demo to it.
 */
export const DEMO_FAPI_CLIENT_ID = 'demo-fapi';

/** The authentication context classes the dev IdP asserts: a password alone, or with a one-time code. */
export const DEV_ACR_PASSWORD = 'urn:sveltekit-sso:dev:password';
export const DEV_ACR_MFA = 'urn:sveltekit-sso:dev:mfa';

/**
 * The FAPI demo client's private key (P-256). Development only, like the demo secret: anyone can read
 * it here, so it protects nothing but the dev IdP. A real app loads its own from a secret store.
 */
export const DEMO_FAPI_PRIVATE_JWK = Object.freeze({
	kty: 'EC',
	crv: 'P-256',
	x: 'uIonPxXStBPgfA-M-zITwD535VvhmlxuvWklqLtZygY',
	y: 'pBR_FGaormd-twDPqUooFgNFmDyDELTmO4IqLKc0gPQ',
	d: '6lOgN2pzEwv236H6s159OSLNFXOja_X7-wV365J_gwg',
	kid: 'demo-fapi-2026',
	alg: 'ES256'
});

/** True for the clients the dev IdP treats under the FAPI 2.0 profile (the demo's and tests' variants). */
export function isFapiClientId(clientId: string): boolean {
	return clientId === DEMO_FAPI_CLIENT_ID || clientId.startsWith(`${DEMO_FAPI_CLIENT_ID}-`);
}

/** oidc-provider metadata of a FAPI 2.0 client (`isFapiClientId(clientId)` must hold) for an app at `appOrigin`. */
export function fapiClient(appOrigin: string = DEFAULT_APP_ORIGIN, clientId: string = DEMO_FAPI_CLIENT_ID): Record<string, unknown> {
	const { d: _private, ...publicJwk } = DEMO_FAPI_PRIVATE_JWK;
	return {
		client_id: clientId,
		client_name: `${DEMO_CLIENT_NAME} (FAPI 2.0)`,
		redirect_uris: demoRedirectUris(appOrigin),
		post_logout_redirect_uris: demoPostLogoutRedirectUris(appOrigin),
		grant_types: ['authorization_code', 'refresh_token'],
		response_types: ['code'],
		token_endpoint_auth_method: 'private_key_jwt',
		token_endpoint_auth_signing_alg: 'ES256',
		id_token_signed_response_alg: 'ES256',
		require_pushed_authorization_requests: true,
		// FAPI 2.0 §5.3.2.2: sender-constrained tokens. Every token request must carry a DPoP proof and
		// the access tokens are bound to its key (cnf.jkt); userinfo accepts them only with a proof.
		dpop_bound_access_tokens: true,
		// auth_time in every ID token: step-up by age (requireAuth's maxAge) reads it.
		require_auth_time: true,
		jwks: { keys: [{ ...publicJwk, use: 'sig' }] }
	};
}

/** The IdP's own portal client: signing in at the portal runs a code flow back to the IdP. */
export const PORTAL_CLIENT_ID = 'portal';

/**
 * The demo app's redirect URIs: `/auth/callback` (OIDC) first, `/callback` (seed 001's callbackPaths)
 * second, `/auth/handoff/callback` (app-initiated handoffs) third.
 */
export function demoRedirectUris(appOrigin: string = DEFAULT_APP_ORIGIN): string[] {
	return [`${appOrigin}/auth/callback`, `${appOrigin}/callback`, `${appOrigin}/auth/handoff/callback`];
}

export function demoPostLogoutRedirectUris(appOrigin: string = DEFAULT_APP_ORIGIN): string[] {
	return [`${appOrigin}/`];
}

export function demoBackchannelLogoutUri(appOrigin: string = DEFAULT_APP_ORIGIN): string {
	return `${appOrigin}/auth/backchannel-logout`;
}

/** oidc-provider client metadata for the demo clients of an app at `appOrigin`. */
export function demoClients(appOrigin: string = DEFAULT_APP_ORIGIN): Record<string, unknown>[] {
	const shared = {
		redirect_uris: demoRedirectUris(appOrigin),
		post_logout_redirect_uris: demoPostLogoutRedirectUris(appOrigin),
		backchannel_logout_uri: demoBackchannelLogoutUri(appOrigin),
		// ID tokens and logout tokens then carry `sid`, so the app can end exactly that session.
		backchannel_logout_session_required: true,
		grant_types: ['authorization_code', 'refresh_token'],
		response_types: ['code']
	};
	return [
		{
			...shared,
			client_id: DEMO_CLIENT_ID,
			client_name: DEMO_CLIENT_NAME,
			client_secret: DEMO_CLIENT_SECRET,
			token_endpoint_auth_method: 'client_secret_basic'
		},
		{ ...shared, client_id: DEMO_PUBLIC_CLIENT_ID, client_name: DEMO_CLIENT_NAME, token_endpoint_auth_method: 'none' }
	];
}

/** The portal client of an IdP at `issuer`. */
export function portalClient(issuer: string): Record<string, unknown> {
	return {
		client_id: PORTAL_CLIENT_ID,
		client_name: 'the portal',
		token_endpoint_auth_method: 'none',
		redirect_uris: [`${issuer}/portal/callback`],
		grant_types: ['authorization_code'],
		response_types: ['code']
	};
}

/**
 * The `.env` of your own app signed in through the dev IdP (README: "Your own app against the dev
 * identity provider"): the `demo` client, whose redirect URIs the IdP registered under `appOrigin`.
 * Printed at start-up by `npm run dev:idp` and `npm run dev`; no secret but the dev client's own.
 */
export function ownAppEnv(issuer: string, appOrigin: string = DEFAULT_APP_ORIGIN): string[] {
	return [
		`SSO_ISSUER=${issuer}`,
		`SSO_CLIENT_ID=${DEMO_CLIENT_ID}`,
		`SSO_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`,
		`ORIGIN=${appOrigin}`,
		'# AUTH_SECRET=   unset: an ephemeral development secret; your own: openssl rand -base64 32'
	];
}

/** The start-up lines of the dev IdP: where it is, and the `.env` above, ready to paste. */
export function startupBanner(issuer: string, appOrigin: string = DEFAULT_APP_ORIGIN): string {
	return [
		`Dev identity provider  ${issuer}/  (any user name and any password sign in)`,
		`Clients ${DEMO_CLIENT_ID}, ${DEMO_PUBLIC_CLIENT_ID} (PKCE, no secret) and ${DEMO_FAPI_CLIENT_ID} (FAPI 2.0: PAR, private_key_jwt, DPoP; SSO_PROFILE=fapi), for an app at ${appOrigin}`,
		'',
		'Your own app against it: paste into its .env (README: "Your own app against the dev identity provider")',
		'',
		...ownAppEnv(issuer, appOrigin)
	].join('\n');
}
