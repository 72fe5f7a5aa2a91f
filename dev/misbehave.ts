/// <reference path="./oidc-provider.d.ts" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Hooks that make the dev IdP misbehave on purpose, for attack tests (docs/SECURITY.md §4: the local
 * substitute for the OpenID Foundation's RP conformance modules). Read at request time: assign
 * `idp.misbehave.onTokenResponse = …` in a test and reset it with `idp.misbehave = {}` afterwards.
 */
export interface DevIdpMisbehave {
	/**
	 * Sees every token endpoint JSON response (success or error) before it is sent; mutate `body` in
	 * place or return a replacement. `ctx` is oidc-provider's Koa context (`ctx.status`,
	 * `ctx.oidc.params`).
	 */
	onTokenResponse?(
		body: Record<string, unknown>,
		ctx: KoaContextWithOIDC
	): void | Record<string, unknown> | Promise<void | Record<string, unknown>>;
	/**
	 * Rewrites authorization responses: the redirect of the authorization/resume routes back to the
	 * client (not the hops to the IdP's own interaction pages), and the dev IdP's app-initiated
	 * handoff redirects. Return the URL to send instead (drop `iss`, change `state`, …).
	 */
	onAuthorizationRedirect?(url: URL): URL;
	/**
	 * Sees every request before the IdP routes it (discovery, token, userinfo, revocation, JWKS, the
	 * verify endpoint, the portal). Return true once it has answered, or destroyed the socket, for an
	 * outage test: a 5xx, an HTML page, a body that does not parse, no answer at all. It must not read
	 * the body of a request it passes on (return false).
	 */
	onRequest?(req: IncomingMessage, res: ServerResponse, url: URL): boolean | Promise<boolean>;
}

/** Mutates the claims of an ID token; return new claims or change the given copy in place. */
export type ClaimsMutator = (claims: JWTPayload) => JWTPayload | void;

/**
 * Returns `onTokenResponse` hooks that re-sign the response's ID token with the IdP's own key after
 * `mutate` changed its claims: the signature stays valid, so only the relying party's claim checks
 * (nonce, aud, iss, sub…) stand between the forged token and a session.
 */
export function idTokenResigner(signingKey: CryptoKey, keysByAlg: Record<string, CryptoKey> = {}) {
	return (mutate: ClaimsMutator) =>
		async (body: Record<string, unknown>): Promise<void> => {
			if (typeof body.id_token !== 'string') return;
			const header = decodeProtectedHeader(body.id_token);
			const claims = structuredClone(decodeJwt(body.id_token));
			const next = mutate(claims) ?? claims;
			// The key the token was signed with (its kid stays valid): ES256 for the FAPI clients.
			const key = (header.alg && keysByAlg[header.alg]) || signingKey;
			body.id_token = await new SignJWT(next).setProtectedHeader({ ...header, alg: header.alg ?? 'RS256' }).sign(key);
		};
}

const REDIRECT_ROUTES = new Set(['authorization', 'resume']);

/** The Koa middleware for oidc-provider (`provider.use`) that applies the current hooks. */
export function misbehaveMiddleware(current: () => DevIdpMisbehave, issuer: string) {
	const issuerOrigin = new URL(issuer).origin;
	return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
		await next();
		const route: string | undefined = ctx.oidc?.route;
		const hooks = current();
		if (route === 'token' && hooks.onTokenResponse && isObject(ctx.body)) {
			const replaced = await hooks.onTokenResponse(ctx.body, ctx);
			// Reassigned either way so Koa serializes (and measures) the body after the hook.
			ctx.body = isObject(replaced) ? replaced : { ...ctx.body };
			return;
		}
		if (route !== undefined && REDIRECT_ROUTES.has(route) && hooks.onAuthorizationRedirect) {
			const location = ctx.response.get('location');
			if (!location || ctx.status < 300 || ctx.status >= 400) return;
			const url = new URL(location, issuer);
			if (url.origin === issuerOrigin && url.pathname.startsWith('/interaction/')) return;
			const rewritten = hooks.onAuthorizationRedirect(url);
			ctx.set('location', rewritten.href);
			// Koa's redirect body repeats the old URL; do not let it contradict the header.
			ctx.body = 'Redirecting.';
		}
	};
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
