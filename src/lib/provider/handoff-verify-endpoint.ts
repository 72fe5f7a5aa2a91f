import { systemClock, type Clock } from '../clock.js';
import { createDpopReplayGuard, type DpopReplayGuard } from '../crypto/dpop/dpop-replay-guard.js';
import { createDpopServerNonces, type DpopServerNonces } from '../crypto/dpop/dpop-server-nonce.js';
import { misuse } from '../errors.js';
import { checkVerifyProof, includeOf, requestOrigin, type Authrim2026Refusal } from './authrim-2026-request.js';
import { authenticateClient } from './client-authentication.js';
import { isHandoffIssuer, type HandoffIssuer, type HandoffRedeemError } from './handoff-issuer.js';
import { isPlainObject } from './handoff-token.js';
import { isJsonContentType, parseStrictStringFields } from './strict-json-body.js';
import { BODY_TOO_LARGE, readBody } from '../http/read-body.js';

/** Largest verify request body read; the seed's three strings fit many times over (row H10). */
export const HANDOFF_VERIFY_MAX_BODY_BYTES = 16 * 1024;

/** A relying party allowed to redeem handoff tokens. */
export interface HandoffClient {
	/**
	 * Set for a confidential client: it must authenticate with HTTP Basic (`client_secret_basic`) or with
	 * `client_secret` in the JSON body (`client_secret_post`), one of them per request.
	 * Absent for a public client, which must send no credentials.
	 */
	secret?: string;
	/**
	 * The client's registered redirect URIs. Under the `'authrim-2026'` contract a verify call must
	 * come with an `Origin` (or a `Referer`) whose origin is one of theirs; a client without any is
	 * refused every 2026 call. Not used by the seed's contract.
	 */
	redirectUris?: readonly string[];
}

/**
 * The wire contracts the verify endpoint serves (docs/CONTRACTS.md): seed 001's (`'seed-2025'`) and
 * Authrim's current one (`'authrim-2026'`: DPoP proof required, `?include=session,user`, `Origin`
 * check, `token_type: "DPoP"`).
 */
export type HandoffVerifyProtocol = 'seed-2025' | 'authrim-2026';

/** The user the verify response describes. */
export interface HandoffUser {
	id: string;
	email?: string;
	name?: string;
	/** Sent as `user.emailVerified` under the `'authrim-2026'` contract (default `false`). */
	emailVerified?: boolean;
}

/** What the host's {@link HandoffVerifyEndpointOptions.issueTokens} returns for a redeemed handoff. */
export interface IssuedHandoffTokens {
	access_token: string;
	/** Lifetime of `access_token` in seconds. */
	expires_in: number;
	refresh_token?: string;
	user: HandoffUser;
	/** The session at the authorization server; the dates are sent as ISO 8601 strings. */
	session: { id: string; expiresAt: string | Date; createdAt?: string | Date };
}

/** The 200 body of the verify endpoint (seed 001's wire contract). */
export interface HandoffVerifyResponseBody {
	token_type: 'Bearer';
	access_token: string;
	expires_in: number;
	refresh_token?: string;
	/** The client the handoff was minted for; the relying party must check it is itself (row H8). */
	client_id: string;
	session: { id: string; expiresAt: string };
	user: HandoffUser;
	carry_over_state?: Record<string, unknown>;
}

/** The 200 body under the `'authrim-2026'` contract; `session` and `user` only with `?include=session,user`. */
export interface HandoffVerifyDpopResponseBody {
	token_type: 'DPoP';
	access_token: string;
	expires_in: number;
	session?: { id: string; userId: string; createdAt?: string; expiresAt: string };
	user?: { id: string; email: string | null; name: string | null; emailVerified: boolean };
	carry_over_state?: Record<string, unknown>;
}

/** The error body of the verify endpoint. */
export interface HandoffVerifyErrorBody {
	error: HandoffRedeemError;
}

/** Options of {@link createHandoffVerifyEndpoint}. */
export interface HandoffVerifyEndpointOptions {
	/** The issuer whose tokens this endpoint redeems; only one made by `createHandoffIssuer`. */
	issuer: HandoffIssuer;
	/** The relying parties, by client id. Copied at construction. */
	clients: Record<string, HandoffClient>;
	/**
	 * Issues the tokens for a redeemed handoff: an access token the relying party can use, the user,
	 * the authorization server's session. Called once per successful redemption, after the handoff
	 * token has been consumed. A throw, or a result of the wrong shape, answers 500 `server_error`.
	 */
	issueTokens(input: {
		sub: string;
		clientId: string;
		/**
		 * Under `'authrim-2026'`: the RFC 7638 thumbprint of the key the caller proved. The access token
		 * must be bound to it (`cnf.jkt`, RFC 9449 §6), so only that key's proofs can use it.
		 */
		jkt?: string;
	}): IssuedHandoffTokens | Promise<IssuedHandoffTokens>;
	/**
	 * Told about faults that answered 500: `issueTokens` threw or returned a malformed result. For
	 * logging; it never receives a handoff token. Default: nothing.
	 */
	onError?(error: unknown): void;
	/**
	 * The contracts served. Default `['seed-2025']`. With both, a call that carries a `DPoP` header or
	 * an `include` query is answered under `'authrim-2026'`, any other under `'seed-2025'`; serve only
	 * `'authrim-2026'` to require DPoP of every client.
	 */
	protocols?: readonly HandoffVerifyProtocol[];
	/**
	 * Under `'authrim-2026'`: demand a server nonce in every DPoP proof (RFC 9449 §8). A proof
	 * without a current one is answered 400 `use_dpop_nonce` with a fresh `DPoP-Nonce`. `true` makes
	 * nonces per endpoint object (instances behind a balancer refuse each other's once); pass
	 * `createDpopServerNonces({ clock, key })` with a key every instance shares to avoid that.
	 * Default `false`.
	 */
	dpopNonce?: boolean | DpopServerNonces;
	/**
	 * Under `'authrim-2026'`: where the `jti`s of accepted proofs are remembered. Default: in this
	 * process (`createDpopReplayGuard`); instances behind a balancer pass one shared guard (an atomic
	 * set-if-absent with a TTL), or a proof replayed at another instance within 60 s is not caught.
	 */
	dpopReplayGuard?: DpopReplayGuard;
	/** Time source for DPoP proof windows and nonces, in ms since the epoch. Default `Date.now`. */
	clock?: Clock;
}

const FIELDS = ['handoff_token', 'state', 'client_id'] as const;
// An app that bound an app-initiated handoff to its browser (a code_challenge at the start) sends this.
// A confidential client may send its secret in the body instead of HTTP Basic (client_secret_post).
const OPTIONAL_FIELDS = ['code_verifier', 'client_secret'] as const;

const ERROR_STATUS: Record<HandoffRedeemError, number> = {
	invalid_request: 400,
	invalid_grant: 400,
	expired_token: 400,
	invalid_client: 401,
	server_error: 500
};

// Token responses must not be stored by any cache (RFC 6749 §5.1); the same holds for their errors.
const RESPONSE_HEADERS = {
	'content-type': 'application/json; charset=utf-8',
	'cache-control': 'no-store',
	pragma: 'no-cache',
	'x-content-type-options': 'nosniff'
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), { status, headers: { ...RESPONSE_HEADERS, ...headers } });
}

function error(code: HandoffRedeemError): Response {
	const headers: Record<string, string> =
		code === 'invalid_client' ? { 'www-authenticate': 'Basic realm="handoff", charset="UTF-8"' } : {};
	return json(ERROR_STATUS[code], { error: code } satisfies HandoffVerifyErrorBody, headers);
}

/**
 * Creates the authorization server's handoff verify endpoint (`POST /auth/external/handoff/verify` in
 * seed 001) as a `Request → Response` handler: mount it in SvelteKit (`+server.ts`: `export const
 * POST = ({ request }) => verify(request)`), or in any server that speaks Fetch API objects.
 *
 * The request is `POST`, `Content-Type: application/json`, body `{ handoff_token, state, client_id }`
 * and, for a token minted with a `codeChallenge`, `code_verifier` — each exactly once, each a
 * non-empty string, nothing else, at most 16 KB. A confidential client authenticates with HTTP Basic.
 * Then the token is redeemed (single use, bound to `client_id`, `state` and, when minted with one,
 * the PKCE challenge) and `issueTokens` is asked for the tokens.
 *
 * Responses (all `Cache-Control: no-store`, JSON):
 * - 200 {@link HandoffVerifyResponseBody}
 * - 400 `invalid_request` (method aside, any malformed request), `invalid_grant`, `expired_token`
 * - 401 `invalid_client` (unknown client, missing or wrong credentials), with `WWW-Authenticate`
 * - 405 for any method but POST (with `Allow: POST`)
 * - 500 `server_error`: the store or `issueTokens` failed; nothing about the cause is sent.
 *
 * Client authentication happens before the token is looked at, so an unauthenticated caller cannot
 * consume (burn) a token it intercepted.
 *
 * Under `protocols: ['authrim-2026']` (Authrim's current contract, docs/CONTRACTS.md), before the
 * token is looked at: `?include` must be absent or exactly `session,user` (else 400); a DPoP proof
 * (RFC 9449) must verify for this request (400 `invalid_request` with `error_details.code`
 * `dpop_proof_missing` / `dpop_proof_invalid`; 400 `use_dpop_nonce` with a `DPoP-Nonce` when
 * `dpopNonce` is on); `Origin` (or `Referer`) must be the origin of one of the client's
 * `redirectUris` (else 403 `access_denied`, "origin not allowed"). `issueTokens` gets the proof key's
 * `jkt`; the 200 is {@link HandoffVerifyDpopResponseBody} (`session` and `user` only with `include`).
 *
 * @throws {TypeError} `ERR_INVALID_OPTION`: `issuer` not from `createHandoffIssuer`, `clients` empty or
 * with a secret that is not a non-empty string or `redirectUris` that are not absolute http(s) URLs,
 * `issueTokens` or `onError` not a function, `protocols` not a non-empty list of known contracts,
 * `dpopNonce` neither a boolean nor nonces, `dpopReplayGuard` without `claim`, `clock` not a function.
 *
 * @example
 * ```ts
 * // src/routes/auth/external/handoff/verify/+server.ts
 * const verify = createHandoffVerifyEndpoint({
 * 	issuer: handoff,
 * 	clients: { app: { secret: env.APP_CLIENT_SECRET } },
 * 	issueTokens: async ({ sub, clientId }) => tokensFor(sub, clientId)
 * });
 * export const POST = ({ request }) => verify(request);
 * ```
 */
export function createHandoffVerifyEndpoint(
	options: HandoffVerifyEndpointOptions
): (request: Request) => Promise<Response> {
	const fn = 'createHandoffVerifyEndpoint';
	if (typeof options !== 'object' || options === null) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	}
	const { issuer, issueTokens, onError } = options;
	if (!isHandoffIssuer(issuer)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must be created by createHandoffIssuer`);
	}
	if (typeof issueTokens !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.issueTokens must be a function`);
	}
	if (onError !== undefined && typeof onError !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.onError must be a function`);
	}
	const clients = copyClients(fn, options.clients);
	const protocols = protocolsOption(fn, options.protocols);
	const { dpopNonce, dpopReplayGuard } = options;
	const isNonces = (v: unknown): v is DpopServerNonces =>
		typeof v === 'object' && v !== null && typeof (v as DpopServerNonces).issue === 'function' && typeof (v as DpopServerNonces).isCurrent === 'function';
	if (dpopNonce !== undefined && typeof dpopNonce !== 'boolean' && !isNonces(dpopNonce)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.dpopNonce must be a boolean or made by createDpopServerNonces`);
	}
	if (dpopReplayGuard !== undefined && (typeof dpopReplayGuard !== 'object' || dpopReplayGuard === null || typeof dpopReplayGuard.claim !== 'function')) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.dpopReplayGuard must have a claim(key, expiresAtMs) method`);
	}
	if (options.clock !== undefined && typeof options.clock !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clock must be a function`);
	}
	const clock = options.clock ?? systemClock;
	// The replay guard and the nonces exist only where the 2026 contract is served.
	const dpop = protocols.has('authrim-2026')
		? {
				replay: dpopReplayGuard ?? createDpopReplayGuard({ clock }),
				nonces: isNonces(dpopNonce) ? dpopNonce : dpopNonce ? createDpopServerNonces({ clock }) : undefined
			}
		: undefined;

	function report(cause: unknown): void {
		try {
			onError?.(cause);
		} catch {
			// A failing logger must not turn a 500 into an unhandled rejection.
		}
	}

	return async function verifyHandoff(request: Request): Promise<Response> {
		if (request.method !== 'POST') {
			return json(405, { error: 'invalid_request' }, { allow: 'POST' });
		}
		if (!isJsonContentType(request.headers.get('content-type'))) return error('invalid_request');
		const bytes = await readBody(request, HANDOFF_VERIFY_MAX_BODY_BYTES);
		if (bytes === null || bytes === BODY_TOO_LARGE || bytes.byteLength === 0) return error('invalid_request');
		const url = new URL(request.url);
		// The 2026 contract when it is served and the call speaks it; otherwise the seed's, if served.
		const dpopCall = dpop !== undefined && (request.headers.has('dpop') || url.searchParams.has('include') || !protocols.has('seed-2025'));
		const include = dpopCall ? includeOf(url) : true;
		if (include === null) return refuse({ status: 400, body: { error: 'invalid_request', error_description: 'Unsupported include parameter' }, challenge: false });
		const body = parseStrictStringFields(bytes, FIELDS, OPTIONAL_FIELDS);
		if (body === null) return error('invalid_request');

		let jkt: string | undefined;
		if (dpopCall) {
			const proof = await checkVerifyProof(request, url, { replay: dpop.replay, nonces: dpop.nonces, now: clock() });
			if (!proof.ok) return refuse(proof.refusal);
			jkt = proof.jkt;
		}
		if (!(await authenticateClient(clients, body.client_id, request.headers.get('authorization'), body.client_secret))) {
			return error('invalid_client');
		}
		if (dpopCall) {
			const origin = requestOrigin(request.headers);
			if (origin === null || !clients.get(body.client_id)?.origins.has(origin)) {
				return refuse({ status: 403, body: { error: 'access_denied', error_description: 'origin not allowed' }, challenge: false });
			}
		}

		const result = await issuer.redeem(body.handoff_token, {
			clientId: body.client_id,
			state: body.state,
			...(body.code_verifier === undefined ? {} : { codeVerifier: body.code_verifier })
		});
		if (!result.ok) return error(result.error);

		let issued: unknown;
		try {
			issued = await issueTokens({ sub: result.sub, clientId: result.clientId, ...(jkt === undefined ? {} : { jkt }) });
		} catch (cause) {
			report(cause);
			return error('server_error');
		}
		const tokens = checkIssued(issued);
		if (tokens === null) {
			report(new TypeError(`${fn}: options.issueTokens returned a result of the wrong shape`));
			return error('server_error');
		}

		if (dpopCall) {
			const answer: HandoffVerifyDpopResponseBody = {
				token_type: 'DPoP',
				access_token: tokens.access_token,
				expires_in: tokens.expires_in,
				...(include
					? {
							session: { id: tokens.session.id, userId: tokens.user.id, ...tokens.sessionDates },
							user: { id: tokens.user.id, email: tokens.user.email ?? null, name: tokens.user.name ?? null, emailVerified: tokens.user.emailVerified ?? false }
						}
					: {}),
				...(result.carryOverState === undefined ? {} : { carry_over_state: result.carryOverState })
			};
			return json(200, answer, await nonceHeader());
		}
		const response: HandoffVerifyResponseBody = {
			token_type: 'Bearer',
			access_token: tokens.access_token,
			expires_in: tokens.expires_in,
			...(tokens.refresh_token === undefined ? {} : { refresh_token: tokens.refresh_token }),
			client_id: result.clientId,
			session: { id: tokens.session.id, expiresAt: tokens.session.expiresAt },
			user: { id: tokens.user.id, ...(tokens.user.email === undefined ? {} : { email: tokens.user.email }), ...(tokens.user.name === undefined ? {} : { name: tokens.user.name }) },
			...(result.carryOverState === undefined ? {} : { carry_over_state: result.carryOverState })
		};
		return json(200, response);
	};

	async function nonceHeader(): Promise<Record<string, string>> {
		return dpop?.nonces ? { 'dpop-nonce': await dpop.nonces.issue() } : {};
	}

	async function refuse(refusal: Authrim2026Refusal): Promise<Response> {
		return json(refusal.status, refusal.body, refusal.challenge ? await nonceHeader() : {});
	}
}

function protocolsOption(fn: string, value: unknown): ReadonlySet<HandoffVerifyProtocol> {
	if (value === undefined) return new Set(['seed-2025']);
	const known: readonly unknown[] = ['seed-2025', 'authrim-2026'];
	if (!Array.isArray(value) || value.length === 0 || value.some((p) => !known.includes(p))) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.protocols must list 'seed-2025' and/or 'authrim-2026'`);
	}
	return new Set(value as HandoffVerifyProtocol[]);
}

interface ClientEntry {
	secret?: string;
	/** The origins of the registered redirect URIs (the 2026 contract's `Origin` rule). */
	origins: ReadonlySet<string>;
}

function copyClients(fn: string, clients: unknown): Map<string, ClientEntry> {
	if (!isPlainObject(clients) || Object.keys(clients).length === 0) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clients must name at least one client`);
	}
	const copy = new Map<string, ClientEntry>();
	for (const [clientId, client] of Object.entries(clients)) {
		if (!isPlainObject(client)) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.clients["${clientId}"] must be an object`);
		}
		const { secret } = client;
		if (secret !== undefined && (typeof secret !== 'string' || secret === '')) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.clients["${clientId}"].secret must be a non-empty string`);
		}
		const origins = new Set<string>();
		const { redirectUris } = client;
		if (redirectUris !== undefined && !Array.isArray(redirectUris)) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.clients["${clientId}"].redirectUris must be an array of absolute http(s) URLs`);
		}
		for (const uri of (redirectUris ?? []) as unknown[]) {
			let parsed: URL | null = null;
			try {
				parsed = typeof uri === 'string' ? new URL(uri) : null;
			} catch {
				parsed = null;
			}
			if (parsed === null || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
				throw misuse('ERR_INVALID_OPTION', `${fn}: options.clients["${clientId}"].redirectUris must be an array of absolute http(s) URLs`);
			}
			origins.add(parsed.origin);
		}
		copy.set(clientId, { ...(secret === undefined ? {} : { secret }), origins });
	}
	return copy;
}

/** The host's result, reduced to the wire fields; null when a required one is missing or mistyped. */
function checkIssued(value: unknown): {
	access_token: string;
	expires_in: number;
	refresh_token?: string;
	user: HandoffUser;
	session: { id: string; expiresAt: string };
	sessionDates: { createdAt?: string; expiresAt: string };
} | null {
	if (!isRecord(value)) return null;
	const { access_token, expires_in, refresh_token, user, session } = value;
	if (!isNonEmptyString(access_token)) return null;
	if (typeof expires_in !== 'number' || !Number.isFinite(expires_in) || expires_in <= 0) return null;
	if (refresh_token !== undefined && !isNonEmptyString(refresh_token)) return null;
	if (!isRecord(user) || !isNonEmptyString(user.id)) return null;
	if (user.email !== undefined && typeof user.email !== 'string') return null;
	if (user.name !== undefined && typeof user.name !== 'string') return null;
	if (user.emailVerified !== undefined && typeof user.emailVerified !== 'boolean') return null;
	if (!isRecord(session) || !isNonEmptyString(session.id)) return null;
	const expiresAt =
		session.expiresAt instanceof Date
			? session.expiresAt
			: typeof session.expiresAt === 'string'
				? new Date(session.expiresAt)
				: null;
	if (expiresAt === null || Number.isNaN(expiresAt.getTime())) return null;
	const createdAt =
		session.createdAt === undefined ? undefined : session.createdAt instanceof Date ? session.createdAt : typeof session.createdAt === 'string' ? new Date(session.createdAt) : null;
	if (createdAt === null || (createdAt !== undefined && Number.isNaN(createdAt.getTime()))) return null;
	return {
		access_token,
		expires_in,
		...(refresh_token === undefined ? {} : { refresh_token }),
		user: {
			id: user.id,
			...(user.email === undefined ? {} : { email: user.email }),
			...(user.name === undefined ? {} : { name: user.name }),
			...(user.emailVerified === undefined ? {} : { emailVerified: user.emailVerified })
		},
		session: { id: session.id, expiresAt: expiresAt.toISOString() },
		sessionDates: { ...(createdAt === undefined ? {} : { createdAt: createdAt.toISOString() }), expiresAt: expiresAt.toISOString() }
	};
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
	return typeof value === 'string' && value !== '';
}
