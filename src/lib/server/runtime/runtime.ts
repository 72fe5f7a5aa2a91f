import type { RequestEvent } from '@sveltejs/kit';
import * as oauth from 'oauth4webapi';
import type { Clock } from '../../clock.js';
import { createHandoffResultCookie, type HandoffResultCookie } from '../../cookies/handoff-result-cookie.js';
import { createSealer } from '../../cookies/seal.js';
import { createDpopNonceMemory, type DpopNonceMemory } from '../../crypto/dpop/dpop-nonce-memory.js';
import { createSessionCookie, type SessionCookie, type SessionRecord } from '../../cookies/session-cookie.js';
import { TransactionStore } from '../../cookies/transaction-store.js';
import { isDevelopment } from '../../environment.js';
import { InMemoryRefreshTokenFamilyStore } from '../../stores/memory-refresh-token-family-store.js';
import type { RefreshTokenFamilyStore } from '../../stores/refresh-token-family-store.js';
import type { AuthUser, SignedInAuth } from '../../types.js';
import type { SharedConfig } from '../config/shared-config.js';
import { createDiscovery, type Discovery, type ServerConnection } from '../http/discovery.js';
import { createErrorReporter, type AuthErrorInfo, type ErrorReporter } from '../http/error-reporter.js';
import { createClientAuth } from '../oidc/client-auth.js';
import { createResourceFetch } from '../oidc/resource-fetch.js';
import { defaultUserFromClaims, issuerKey, type OidcClaims } from '../oidc/claims.js';
import { createRefresher, type Refresher } from '../refresh/refresher.js';
import { createRefreshTokenFamilyRotation, type RefreshTokenFamilyRotation } from '../refresh/rotation.js';
import { createTokenVault, type TokenVault } from '../refresh/token-vault.js';
import { createSessionRevocation, type SessionRevocation } from '../session/session-revocation.js';

/** The entry points that can share a runtime. */
export type EntryPoint = 'createAuthHandle' | 'createHandoffHandler' | 'verifyHandoffToken';

/**
 * Everything one issuer and client needs at request time, built once and shared by every entry point
 * of that issuer and client (`createAuthHandle`, `createHandoffHandler`, `verifyHandoffToken`,
 * `startHandoff`, `requireAuth` through `locals.auth`): one session cookie and its cache, one
 * handoff-result cookie, one TransactionStore, one discovery cache, one family store with its rotation,
 * vault and refresher, one revocation check, one error reporter.
 */
export interface Runtime {
	readonly config: SharedConfig;
	readonly clock: Clock;
	/** The issuer as the key of back-channel logout records (no trailing slash). */
	readonly issuerKey: string;
	readonly client: oauth.Client;
	readonly clientAuth: oauth.ClientAuth;
	readonly connection: ServerConnection;
	readonly discovery: Discovery;
	readonly session: SessionCookie;
	readonly handoffResult: HandoffResultCookie;
	readonly transactions: TransactionStore;
	readonly store: RefreshTokenFamilyStore;
	readonly rotation: RefreshTokenFamilyRotation;
	readonly vault: TokenVault;
	readonly refresher: Refresher;
	readonly revocation: SessionRevocation;
	readonly report: ErrorReporter;
	/** The last `DPoP-Nonce` of each server this runtime sends DPoP proofs to (RFC 9449 §8). */
	readonly dpopNonces: DpopNonceMemory;
	readonly userFromClaims: (claims: OidcClaims) => AuthUser;
	readonly refreshLeewayMs: number;
	readonly refreshGraceMs: number;
	readonly refreshWaitMs: number;
	readonly sessionMaxAgeMs: number;
	/** Whether a `createAuthHandle` of this issuer and client is mounted: it then resolves every session. */
	hasAuthHandle(): boolean;
	/** The URL cookie attributes are decided for: the configured origin, else the request's. */
	cookieUrl(event: Pick<RequestEvent, 'url'>): URL;
	/** The app URL of this request: the configured origin with the request's path and query. */
	appUrl(event: Pick<RequestEvent, 'url'>): URL;
	/** The app's origin for redirects and same-origin checks: the configured one, never `Host` (C14). */
	appOrigin(event: Pick<RequestEvent, 'url'>): string;
	/**
	 * The signed-in value of `locals.auth` for a record. `getAccessToken` replaces the default, which
	 * answers the stored access token while it is unexpired.
	 */
	toAuth(
		record: SessionRecord,
		expiresAt: number,
		carryOverState?: Record<string, unknown> | null,
		getAccessToken?: () => Promise<string | null>
	): SignedInAuth;
}

/** What the registry hands the builder beside the config: who joined, and their loggers. */
export interface RuntimeMembers {
	/** Live: an entry point that joins after the build counts too. */
	readonly entryPoints: { has(entryPoint: EntryPoint): boolean };
	readonly loggers: ReadonlySet<(info: AuthErrorInfo) => unknown>;
	/** The origin app-initiated handoffs return to when no `origin` is configured (from `redirectUri`). */
	readonly transactionOrigin: URL | undefined;
}

/** Builds the runtime of one issuer and client: the only place that creates cookies, stores and clients. */
export function buildRuntime(config: SharedConfig, members: RuntimeMembers): Runtime {
	const { clock, secrets, origin } = config;
	const connection: ServerConnection = {
		issuer: config.issuer,
		fetch: config.fetch,
		timeoutMs: config.timeoutMs,
		allowInsecureRequests: config.allowInsecureRequests,
		clock
	};
	const store = config.familyStore ?? new InMemoryRefreshTokenFamilyStore({ clock });
	const rotation = createRefreshTokenFamilyRotation({ store, clock, leaseMs: config.refreshLeaseMs, graceMs: config.refreshGraceMs });
	const vault = createTokenVault({ secrets, clock });
	const discovery = createDiscovery(connection);
	const report = createErrorReporter(members.loggers, isDevelopment());
	const client: oauth.Client = {
		client_id: config.clientId,
		// oauth4webapi checks ID token times (exp, iat, auth_time) on Date.now() shifted by this many
		// seconds: the offset of the injected clock, read at each check, so every time check of one
		// runtime follows one clock.
		get [oauth.clockSkew]() {
			return Math.round((clock() - Date.now()) / 1000);
		}
	};
	const clientAuth = createClientAuth(config.clientAuth);
	const userFromClaims = config.userFromClaims ?? defaultUserFromClaims;
	const transactionOrigin = origin ?? members.transactionOrigin;
	const dpopNonces = createDpopNonceMemory();

	let noTokens: { getAccessToken: () => Promise<null>; fetch: SignedInAuth['fetch'] } | undefined;
	const runtime: Runtime = {
		config,
		clock,
		issuerKey: issuerKey(config.issuer.href),
		client,
		clientAuth,
		connection,
		discovery,
		session: createSessionCookie({ options: config.sessionOptions, sealer: createSealer({ secrets, purpose: 'session', clock }), clock }),
		handoffResult: createHandoffResultCookie({ sealer: createSealer({ secrets, purpose: 'handoff-result', clock }), clock }),
		transactions: new TransactionStore({
			secret: [...secrets],
			cookieOptions: config.transactionCookieOptions,
			...(transactionOrigin ? { origin: transactionOrigin } : {}),
			clock
		}),
		store,
		rotation,
		vault,
		refresher: createRefresher({
			store,
			rotation,
			vault,
			clock,
			discovery,
			connection,
			client,
			clientAuth,
			dpopNonces,
			refreshLeewayMs: config.refreshLeewayMs,
			refreshGraceMs: config.refreshGraceMs,
			refreshWaitMs: config.refreshWaitMs,
			sessionMaxAgeMs: config.sessionMaxAgeMs,
			userFromClaims,
			report
		}),
		revocation: createSessionRevocation({ store, secrets, clock, issuer: config.issuer.href, sessionMaxAgeMs: config.sessionMaxAgeMs }),
		report,
		dpopNonces,
		userFromClaims,
		refreshLeewayMs: config.refreshLeewayMs,
		refreshGraceMs: config.refreshGraceMs,
		refreshWaitMs: config.refreshWaitMs,
		sessionMaxAgeMs: config.sessionMaxAgeMs,
		hasAuthHandle: () => members.entryPoints.has('createAuthHandle'),
		cookieUrl: (event) => origin ?? event.url,
		appUrl(event) {
			if (!origin) return event.url;
			// Set on a copy of the origin, never parsed relative to it: a request path of //evil.example/x
			// would otherwise resolve to another host.
			const url = new URL(origin);
			url.pathname = event.url.pathname;
			url.search = event.url.search;
			return url;
		},
		appOrigin: (event) => (origin ?? event.url).origin,
		toAuth(record, expiresAt, carryOverState = null, getAccessToken) {
			const tokens = record.tokens;
			// A session without tokens never has any (a refresh needs a refresh token): it shares one pair of
			// functions with every other, instead of two closures kept per cached session.
			const tokenless = tokens === undefined ? (noTokens ??= { getAccessToken: async () => null, fetch: createResourceFetch(runtime, undefined, async () => null) }) : null;
			const accessToken = tokenless?.getAccessToken ?? getAccessToken ?? (async () => (tokens && tokens.expiresAt > clock() ? tokens.accessToken : null));
			return Object.freeze({
				isAuthenticated: true as const,
				user: record.user,
				session: Object.freeze({
					id: record.id,
					createdAt: record.createdAt,
					expiresAt,
					source: record.source,
					...(record.authn?.acr === undefined ? {} : { acr: record.authn.acr }),
					...(record.authn?.authTime === undefined ? {} : { authenticatedAt: record.authn.authTime }),
					...(record.expiresCap === undefined ? {} : { idpSessionExpiresAt: record.expiresCap })
				}),
				carryOverState: carryOverState ? Object.freeze(carryOverState) : null,
				getAccessToken: accessToken,
				fetch: tokenless?.fetch ?? createResourceFetch(runtime, tokens, accessToken)
			});
		}
	};
	return runtime;
}
