/// <reference path="./oidc-provider.d.ts" />
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * What the dev IdP was asked to do, for tests that assert "exactly one refresh" or "no verify call".
 * Every request is counted when it reaches the route, whatever its outcome (a rejected refresh is
 * still a refresh call to the authorization server).
 */
export interface DevIdpCounters {
	/** Token endpoint requests by `grant_type` (`'unknown'` when the body had none). */
	tokenGrants: Record<string, number>;
	/** Requests that reached the handoff verify endpoint, any method, any outcome. */
	verifyCalls: number;
	/** Verify requests answered 200. */
	verifySuccesses: number;
	/** Authorization requests handled by oidc-provider (intercepted handoff requests not included). */
	authorizations: number;
	/** App-initiated handoff requests (`/auth?handoff=true`) intercepted in front of oidc-provider. */
	handoffAuthorizations: number;
	/** Handoff tokens minted: portal "Open App", app-initiated handoffs and `mintHandoff()`. */
	handoffsMinted: number;
	introspections: number;
	revocations: number;
	userinfo: number;
	endSessions: number;
}

export function createCounters(): DevIdpCounters {
	return {
		tokenGrants: {},
		verifyCalls: 0,
		verifySuccesses: 0,
		authorizations: 0,
		handoffAuthorizations: 0,
		handoffsMinted: 0,
		introspections: 0,
		revocations: 0,
		userinfo: 0,
		endSessions: 0
	};
}

/** Zeroes the counters in place, so references tests hold stay live. */
export function resetCounters(counters: DevIdpCounters): void {
	const fresh = createCounters();
	for (const key of Object.keys(counters.tokenGrants)) delete counters.tokenGrants[key];
	for (const key of Object.keys(fresh) as (keyof DevIdpCounters)[]) {
		if (key !== 'tokenGrants') (counters[key] as number) = fresh[key] as number;
	}
}

const ROUTE_COUNTERS: Record<string, Exclude<keyof DevIdpCounters, 'tokenGrants'>> = {
	authorization: 'authorizations',
	introspection: 'introspections',
	revocation: 'revocations',
	userinfo: 'userinfo',
	end_session: 'endSessions'
};

/** A Koa middleware for oidc-provider (`provider.use`) that counts requests by route after they ran. */
export function countingMiddleware(counters: DevIdpCounters) {
	return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
		await next();
		const route: string | undefined = ctx.oidc?.route;
		if (route === undefined) return;
		if (route === 'token') {
			const grantType = ctx.oidc.params?.grant_type;
			const key = typeof grantType === 'string' && grantType !== '' ? grantType : 'unknown';
			counters.tokenGrants[key] = (counters.tokenGrants[key] ?? 0) + 1;
			return;
		}
		const counter = ROUTE_COUNTERS[route];
		if (counter) counters[counter]++;
	};
}
