import { CODE_VERIFIER, S256_CHALLENGE, s256Challenge } from '../crypto/pkce.js';
import { HANDOFF_LIMITS } from '../handoff-limits.js';
import { systemClock, type Clock } from '../clock.js';
import { utf8 } from '../crypto/base64url.js';
import { deriveMacKey } from '../crypto/keys.js';
import { resolveSecrets, type SecretOption } from '../crypto/secret.js';
import { AuthError, misuse } from '../errors.js';
import type { HandoffStateStore } from '../stores/handoff-state-store.js';
import { equalsConstantTime } from './constant-time.js';
import {
	isPlainObject,
	MAX_HANDOFF_TOKEN_LENGTH,
	openHandoffToken,
	signHandoffToken,
	type HandoffTokenPayload
} from './handoff-token.js';

/**
 * Carry-over state whose serialized JSON is at most this many UTF-8 bytes travels inside the token;
 * larger state is claim-checked into the store and only its key travels (seed 000: the token rides
 * in a URL, and request lines over ~8 KB are refused by nginx, ALBs and Node).
 */
export const HANDOFF_INLINE_STATE_MAX_BYTES = 2048;

/**
 * How much longer than the token a store entry lives. Expiry is decided by the MAC'd `exp`, so the
 * entry must outlive it: a token used after `exp` then reports `expired_token` rather than looking
 * replayed, and a little clock skew between the app and the store does not matter (row K3).
 */
export const HANDOFF_STORE_GRACE_SECONDS = 60;

const MAX_TTL_SECONDS = 600;
// crypto.randomUUID() output; a key of any other shape never came from mint (row K6).
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Marks the store entries this issuer writes, so an entry some other user of a shared store wrote
// under the same key space is never taken for a handoff.
const ENTRY_KIND = 'sveltekit-sso/handoff';

/** Options of {@link createHandoffIssuer}. */
export interface HandoffIssuerOptions {
	/**
	 * The authorization server's issuer identifier (an absolute http(s) URL). Written into every token
	 * and compared exactly on redeem, so two issuers that share a secret cannot redeem each other's
	 * tokens.
	 */
	issuer: string;
	/**
	 * The MAC secret (≥ 32 bytes), or a list for rotation: the first signs, every one verifies.
	 * Default: the `AUTH_SECRET` environment variable; in development an ephemeral per-process secret
	 * (with a warning), in production a missing secret throws.
	 */
	secret?: SecretOption;
	/**
	 * Where single-use records and claim-checked carry-over state live. Every instance that may
	 * redeem a token must share it (`InMemoryHandoffStateStore` for one process, the Redis or Postgres
	 * store for several).
	 */
	store: HandoffStateStore;
	/** Lifetime of a handoff token in seconds, 1–600. Default: `60`. */
	ttlSeconds?: number;
	/** Time source in ms since the epoch. Default: `Date.now`. */
	clock?: Clock;
}

/** What the authorization server knows when the user clicks "Open App" or an app asks for a handoff. */
export interface MintHandoffInput {
	/** The client (relying party) that will redeem the token; it becomes the token's audience. */
	clientId: string;
	/** The signed-in user's subject identifier. */
	sub: string;
	/**
	 * The `state` the redeemer must present: the app's own state for an app-initiated handoff, a fresh
	 * random value for an IdP-initiated one.
	 */
	state: string;
	/**
	 * A JSON object handed to the app after the sign-in (a return path, a cart id). Serialized above
	 * {@link HANDOFF_INLINE_STATE_MAX_BYTES} bytes it is claim-checked into the store. It comes back as
	 * `JSON.parse(JSON.stringify(carryOverState))`.
	 */
	carryOverState?: Record<string, unknown>;
	/**
	 * The S256 `code_challenge` an app sent with an app-initiated handoff request (RFC 7636). The token
	 * is then bound to the browser that started the handoff: redeeming it needs the `code_verifier`,
	 * which only that browser's transaction holds. Without it, anyone holding the URL could redeem a
	 * public client's token at the verify endpoint within its lifetime.
	 */
	codeChallenge?: string;
}

/** What the redeemer must present besides the token. */
export interface RedeemHandoffInput {
	/** The authenticated client presenting the token; must equal the token's audience. */
	clientId: string;
	/** The `state` that arrived with the token; must equal the minted one. */
	state: string;
	/** The PKCE `code_verifier`: required when the token was minted with a `codeChallenge`. */
	codeVerifier?: string;
}

/**
 * Why a redemption failed. `redeem` itself answers `invalid_request` (missing or non-string input),
 * `invalid_grant` (forged, tampered, foreign, bound to another client or state, replayed),
 * `expired_token` and `server_error` (the store failed; nothing was accepted). `invalid_client` is
 * what the verify endpoint answers when client authentication fails; it is part of this union so the
 * endpoint and its callers share one closed set of codes.
 */
export type HandoffRedeemError =
	| 'invalid_grant'
	| 'expired_token'
	| 'invalid_request'
	| 'invalid_client'
	| 'server_error';

/** The outcome of {@link HandoffIssuer.redeem}: a failed check is a value, never an exception. */
export type RedeemResult =
	| {
			readonly ok: true;
			readonly sub: string;
			readonly clientId: string;
			readonly carryOverState?: Record<string, unknown>;
	  }
	| { readonly ok: false; readonly error: HandoffRedeemError };

/** The authorization-server side of Smart Handoff: mints single-use handoff tokens and redeems them. */
export interface HandoffIssuer {
	/** The issuer identifier the tokens carry. */
	readonly issuer: string;
	/**
	 * Mints a single-use handoff token for `sub`, bound to `clientId` and `state`. The token is
	 * recorded in the store before it is returned, so it can be redeemed exactly once.
	 *
	 * @throws {TypeError} `ERR_INVALID_ARGUMENT` for an empty `clientId`, `sub` or `state`, carry-over
	 * state that is not a JSON-serializable plain object, or a token that would exceed 4096 characters.
	 * @throws {AuthError} `store_unavailable` when the store failed to record the token.
	 */
	mint(input: MintHandoffInput): Promise<string>;
	/**
	 * Redeems a token once. Checks, in this order: the MAC and shape, the binding (issuer, audience =
	 * `clientId`, `state`), the key format, expiry, and only then consumes the single-use record with
	 * the store's atomic `getAndDelete`. Never throws.
	 */
	redeem(token: string, input: RedeemHandoffInput): Promise<RedeemResult>;
}

const issuers = new WeakSet<HandoffIssuer>();

/** True for issuers made by {@link createHandoffIssuer}: the verify endpoint accepts nothing else. */
export function isHandoffIssuer(value: unknown): value is HandoffIssuer {
	return typeof value === 'object' && value !== null && issuers.has(value as HandoffIssuer);
}

function fail(error: HandoffRedeemError): RedeemResult {
	return Object.freeze({ ok: false as const, error });
}

/**
 * Creates the issuer of Smart Handoff tokens (seed 001, claim-check per seed 000).
 *
 * A token is `base64url(payload).base64url(HMAC-SHA256(label "." payload))` with `iss`, `aud`,
 * `sub`, `state`, `iat`, `exp` and a random `jti`. Every token, with or without carry-over state, is
 * recorded in the store under its `jti` at mint and consumed with `getAndDelete` at redeem, so of a
 * replay, or of two concurrent redemptions, exactly one succeeds (rows H4, K2). Carry-over state over
 * 2048 bytes is stored in that same entry, so consuming the token and retrieving its state are one
 * atomic step that cannot half-succeed.
 *
 * Why redeem checks in the order it does: the MAC comes first so forged input never reaches the
 * store (K1, K6); the binding to issuer, client and state comes before consumption so that someone
 * who holds a token but presents the wrong `state` or client cannot burn the legitimate holder's
 * single use; expiry comes before consumption because an expired token is useless either way and
 * should say `expired_token`; consumption, the only step with a side effect, comes last.
 *
 * @throws {TypeError} `ERR_INVALID_OPTION` naming the option: missing or non-URL `issuer`, a store
 * without `set`/`getAndDelete`, `ttlSeconds` outside 1–600, a `clock` that is not a function; and
 * the secret errors of `resolveSecrets` (`options.secret must be at least 32 bytes`).
 *
 * @example
 * ```ts
 * import { createHandoffIssuer } from 'sveltekit-sso/provider';
 * import { InMemoryHandoffStateStore } from 'sveltekit-sso/server';
 *
 * const handoff = createHandoffIssuer({
 * 	issuer: 'https://id.example.com',
 * 	secret: process.env.HANDOFF_SECRET,
 * 	store: new InMemoryHandoffStateStore()
 * });
 * const token = await handoff.mint({ clientId: 'app', sub: user.id, state: crypto.randomUUID() });
 * ```
 */
export function createHandoffIssuer(options: HandoffIssuerOptions): HandoffIssuer {
	const fn = 'createHandoffIssuer';
	if (typeof options !== 'object' || options === null) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options must be an object`);
	}
	const { issuer, store, ttlSeconds = 60, clock = systemClock } = options;
	if (typeof issuer !== 'string' || !isHttpUrl(issuer)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must be an absolute http(s) URL`);
	}
	if (
		typeof store !== 'object' ||
		store === null ||
		typeof store.set !== 'function' ||
		typeof store.getAndDelete !== 'function'
	) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.store is required (a HandoffStateStore)`);
	}
	if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
	}
	if (typeof clock !== 'function') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.clock must be a function`);
	}
	const secrets = resolveSecrets(fn, options.secret);
	const ready = Promise.all(secrets.map((secret) => deriveMacKey(secret, 'handoff-token')));
	// A failed derivation surfaces on use (mint throws, redeem answers server_error), not as an
	// unhandled rejection at startup.
	ready.catch(() => {});

	const handoffIssuer: HandoffIssuer = {
		issuer,

		async mint(input) {
			const where = 'HandoffIssuer.mint';
			if (typeof input !== 'object' || input === null) {
				throw misuse('ERR_INVALID_ARGUMENT', `${where}: the argument must be an object`);
			}
			const { clientId, sub, state, carryOverState, codeChallenge } = input;
			if (codeChallenge !== undefined && (typeof codeChallenge !== 'string' || !S256_CHALLENGE.test(codeChallenge))) {
				throw misuse('ERR_INVALID_ARGUMENT', `${where}: codeChallenge must be an S256 code_challenge (43 base64url characters)`);
			}
			for (const [name, value] of [
				['clientId', clientId],
				['sub', sub],
				['state', state]
			] as const) {
				if (typeof value !== 'string' || value === '') {
					throw misuse('ERR_INVALID_ARGUMENT', `${where}: ${name} must be a non-empty string`);
				}
			}
			if (state.length > HANDOFF_LIMITS.maxStateLength) {
				throw misuse('ERR_INVALID_ARGUMENT', `${where}: state must be at most ${HANDOFF_LIMITS.maxStateLength} characters (the app refuses longer ones)`);
			}
			const carry = carryOverState === undefined ? undefined : normalizeCarryOver(where, carryOverState);
			let claimCheck = carry !== undefined && carry.bytes > HANDOFF_INLINE_STATE_MAX_BYTES;

			const iat = Math.floor(clock() / 1000);
			const payload: HandoffTokenPayload = {
				iss: issuer,
				aud: clientId,
				sub,
				state,
				iat,
				exp: iat + ttlSeconds,
				jti: crypto.randomUUID(),
				...(codeChallenge === undefined ? {} : { cch: codeChallenge })
			};
			if (carry !== undefined) {
				if (claimCheck) payload.cck = true;
				else payload.cos = carry.value;
			}
			const [signingKey] = await ready;
			let token = await signHandoffToken(payload, signingKey);
			if (token.length > MAX_HANDOFF_TOKEN_LENGTH && payload.cos !== undefined) {
				// Inline state that, with a long state or sub, would overflow the URL goes to the store instead.
				delete payload.cos;
				payload.cck = true;
				claimCheck = true;
				token = await signHandoffToken(payload, signingKey);
			}
			if (token.length > MAX_HANDOFF_TOKEN_LENGTH) {
				throw misuse(
					'ERR_INVALID_ARGUMENT',
					`${where}: the token would exceed ${MAX_HANDOFF_TOKEN_LENGTH} characters; shorten state, sub or clientId`
				);
			}

			const entry: Record<string, unknown> = { kind: ENTRY_KIND };
			if (claimCheck && carry !== undefined) entry.cos = carry.value;
			try {
				await store.set(payload.jti, entry, ttlSeconds + HANDOFF_STORE_GRACE_SECONDS);
			} catch (cause) {
				throw new AuthError('store_unavailable', `${where}: the store failed to record the handoff`, { cause });
			}
			return token;
		},

		async redeem(token, input) {
			try {
				return await redeemOnce(token, input);
			} catch {
				// Every expected failure is a value below; anything thrown is a fault, and a fault fails closed.
				return fail('server_error');
			}
		}
	};

	async function redeemOnce(token: unknown, input: RedeemHandoffInput | undefined): Promise<RedeemResult> {
		const clientId = input?.clientId;
		const state = input?.state;
		if (
			typeof token !== 'string' ||
			token === '' ||
			typeof clientId !== 'string' ||
			clientId === '' ||
			typeof state !== 'string' ||
			state === ''
		) {
			return fail('invalid_request');
		}

		const payload = await openHandoffToken(token, await ready);
		if (payload === null) return fail('invalid_grant');

		// Every binding is evaluated so the answer's timing does not say which one failed. A token
		// minted with a code_challenge also needs the verifier of the browser that started it (X6).
		const stateMatches = await equalsConstantTime(payload.state, state);
		const verifier = input?.codeVerifier;
		const browserMatches =
			payload.cch === undefined ||
			(typeof verifier === 'string' && CODE_VERIFIER.test(verifier) && (await equalsConstantTime(await s256Challenge(verifier), payload.cch)));
		const bound = payload.iss === issuer && payload.aud === clientId && stateMatches && browserMatches;
		if (!bound) return fail('invalid_grant');

		if (!UUID_V4.test(payload.jti)) return fail('invalid_grant');
		if (clock() >= payload.exp * 1000) return fail('expired_token');

		let entry: Record<string, unknown> | undefined;
		try {
			entry = await store.getAndDelete(payload.jti);
		} catch {
			return fail('server_error');
		}
		// Absent: already redeemed (replay, or the loser of a concurrent race) or never recorded.
		if (entry === undefined) return fail('invalid_grant');
		if (!isPlainObject(entry) || entry.kind !== ENTRY_KIND) return fail('server_error');

		let carryOverState: Record<string, unknown> | undefined = payload.cos;
		if (payload.cck) {
			if (!isPlainObject(entry.cos)) return fail('server_error');
			carryOverState = entry.cos;
		}
		return Object.freeze({
			ok: true as const,
			sub: payload.sub,
			clientId: payload.aud,
			...(carryOverState === undefined ? {} : { carryOverState })
		});
	}

	issuers.add(handoffIssuer);
	return Object.freeze(handoffIssuer);
}

/**
 * Serializes carry-over state once: the size decides inline vs claim-check, and the parsed copy is
 * what travels or is stored, so both paths hand back exactly the same value and later mutation of
 * the caller's object changes nothing.
 */
function normalizeCarryOver(where: string, state: unknown): { value: Record<string, unknown>; bytes: number } {
	if (!isPlainObject(state)) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: carryOverState must be a plain JSON object`);
	}
	let json: string;
	try {
		json = JSON.stringify(state);
	} catch {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: carryOverState must be JSON-serializable`);
	}
	const value: unknown = JSON.parse(json);
	if (!isPlainObject(value)) {
		throw misuse('ERR_INVALID_ARGUMENT', `${where}: carryOverState must be a plain JSON object`);
	}
	return { value, bytes: utf8(json).length };
}

function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return url.protocol === 'https:' || url.protocol === 'http:';
	} catch {
		return false;
	}
}
