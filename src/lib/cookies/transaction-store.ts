import type { Cookies } from '@sveltejs/kit';
import { systemClock, type Clock } from '../clock.js';
import { utf8 } from '../crypto/base64url.js';
import type { DpopPrivateJwk } from '../crypto/dpop/dpop-key.js';
import { resolveSecrets, type SecretOption } from '../crypto/secret.js';
import { misuse } from '../errors.js';
import { warnOnce } from '../environment.js';
import { createSealer, type Sealer } from './seal.js';
import { DEFAULTS } from '../defaults.js';
import { cookieName, prefixViolation, secureFor } from './cookie-policy.js';

/** What a transaction was started for: an OpenID Connect login, or an app-initiated handoff. */
export type TransactionKind = 'oidc' | 'handoff';

/**
 * The state needed to finish one authentication transaction, sealed into its own cookie between the
 * authorization request and the callback (Auth0 `TransactionState`, plus the provider it was made
 * for and its kind).
 */
export interface TransactionState {
	/** The PKCE code verifier used in the authorization request. */
	codeVerifier: string;
	/** The response type used in the authorization request. */
	responseType: string;
	/**
	 * The `state` parameter sent to the authorization server for CSRF protection. It also names the
	 * cookie, so it must be 16–128 base64url characters (`randomToken()` gives 43).
	 */
	state: string;
	/** The same-origin path to return to after login; produce it with `safeReturnTo`. */
	returnTo: string;
	/** Associates the client session with the ID Token and mitigates replay. */
	nonce: string;
	/** The maximum age of the authentication session (the `max_age` request parameter), in seconds. */
	maxAge?: number;
	/** The `acr_values` requested (space-separated): the ID token's `acr` must be one of them. */
	acrValues?: string;
	/** The auth session ID for the connect-accounts flow. */
	authSession?: string;
	/** The scope requested for this transaction. */
	scope?: string;
	/** The audience requested for this transaction. */
	audience?: string;
	/** The issuer the authorization request went to. */
	issuer: string;
	/** The client the authorization request was made as. */
	clientId: string;
	/** The `redirect_uri` of the authorization request. */
	redirectUri: string;
	/** What the transaction was started for. Absent means `'oidc'`. */
	kind?: TransactionKind;
	/**
	 * The DPoP key whose thumbprint the authorization request sent as `dpop_jkt` (RFC 9449 §10): the
	 * code exchange must prove it. Sealed like the rest of the transaction.
	 */
	dpop?: DpopPrivateJwk;
}

/** The provider a callback is being finished against; see {@link matchesProvider}. */
export interface ExpectedProvider {
	issuer: string;
	clientId: string;
	redirectUri: string;
	/** When given, the transaction's kind (absent = `'oidc'`) must equal it too. */
	kind?: TransactionKind;
}

/** Options of the transaction cookies. */
export interface TransactionCookieOptions {
	/**
	 * Prefix of the cookie names: `{prefix}{state}` with parallel transactions, `{prefix}` without.
	 * Default `'__Host-txn_'` when the cookies are `Secure` with path `/` and no domain, else `'__txn_'`.
	 * RFC 9110 token characters only. A `__Host-` prefix (which a sibling subdomain cannot set, so it
	 * defeats cookie tossing) requires `secure`, `path: '/'` and no `domain`.
	 */
	prefix?: string;
	/**
	 * `lax` lets the cookie travel on the top-level cross-site GET that the authorization server
	 * redirects back with. `strict` breaks that callback unless the authorization server is same-site;
	 * `none` requires `secure`.
	 * @default 'lax'
	 */
	sameSite?: 'lax' | 'strict' | 'none';
	/**
	 * Default: depends on the protocol of the application's base URL (`options.origin`): `https` →
	 * true, otherwise false. Without `origin`, SvelteKit decides per request: `Secure` everywhere except
	 * on `http://localhost` (so on `http://127.0.0.1`, set `origin` or `secure: false`).
	 */
	secure?: boolean;
	/**
	 * Path of the cookie; must be absolute and cover the callback route.
	 * @default '/'
	 */
	path?: string;
	/** The `Domain` attribute. By default none is set and the cookie stays on the current host. */
	domain?: string;
	/**
	 * Lifetime in seconds, enforced twice: as the cookie's `Max-Age` and as the `exp` sealed inside it.
	 * @default 3600
	 */
	maxAge?: number;
}

/** Options of {@link TransactionStore}. */
export interface TransactionStoreOptions {
	/**
	 * The secret the cookies are sealed with (at least 32 bytes), or a list for rotation: the first
	 * seals, every one of them opens. Defaults to the `AUTH_SECRET` environment variable.
	 */
	secret?: SecretOption;
	/** Options of the transaction cookies. */
	cookieOptions?: TransactionCookieOptions;
	/**
	 * Allows one transaction per `state` (multi-tab logins). When false only one transaction cookie
	 * exists, and a save while a readable one exists is ignored.
	 * @default true
	 */
	enableParallelTransactions?: boolean;
	/**
	 * With parallel transactions, the most transaction cookies that live at once: a save evicts the
	 * oldest in the same response. The total size of the transaction cookies is capped as well, so the
	 * `Cookie` header stays small however many logins are abandoned.
	 * @default 5
	 */
	maxTransactions?: number;
	/**
	 * The application's base URL (e.g. `'https://app.example.com'`), the same origin the SDK builds
	 * its `redirect_uri` from. It decides `secure` when `cookieOptions.secure` is omitted.
	 */
	origin?: string | URL;
	/** Milliseconds since the epoch; injected by tests. */
	clock?: Clock;
}

// Browsers drop a cookie whose name and value exceed 4096 bytes (RFC 6265bis §5.6); SvelteKit checks
// this only in development. A longer incoming value is not one we wrote, so it is never decrypted.
const MAX_COOKIE_BYTES = 4096;
// The total of all transaction cookies, as they appear in the request's Cookie header. Five typical
// transactions fit; a flood of logins with long returnTo values evicts down to it (row T2: a bloated
// Cookie header gets every request of the user refused with 400/431 until the cookies expire).
const MAX_TOTAL_BYTES = 4096;
// base64url, 16–128 characters: cookie-name-safe and long enough to be a real random state.
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
// RFC 9110 §5.6.2 token characters: what a cookie name may contain.
const TOKEN_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const PATH_PATTERN = /^\/[^\x00-\x20;,\x7F]*$/;
const DOMAIN_PATTERN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

const KNOWN_OPTIONS = new Set([
	'secret',
	'cookieOptions',
	'enableParallelTransactions',
	'maxTransactions',
	'origin',
	'clock'
]);
const KNOWN_COOKIE_OPTIONS = new Set(['prefix', 'sameSite', 'secure', 'path', 'domain', 'maxAge']);

// Every value get() returns is registered here, so code that finishes a login can insist on a
// transaction that was really read from a sealed cookie (a value only `get()` returns can finish a login), not one assembled by hand.
const opened = new WeakSet<object>();

/**
 * True when `value` was returned by {@link TransactionStore.get}: the only kind of transaction a
 * callback may finish a login with.
 */
export function isOpenedTransaction(value: unknown): value is Readonly<TransactionState> {
	return typeof value === 'object' && value !== null && opened.has(value);
}

/**
 * True when the transaction was started with exactly this issuer, client and `redirect_uri` (and
 * kind, when `expected.kind` is given). Simple string comparison, as RFC 9207 §2.4 prescribes for
 * issuers: a transaction started with one provider can never be finished against another (Auth.js
 * GHSA-x445-f3h2-j279).
 */
export function matchesProvider(tx: TransactionState, expected: ExpectedProvider): boolean {
	return (
		typeof tx.issuer === 'string' &&
		tx.issuer === expected.issuer &&
		typeof tx.clientId === 'string' &&
		tx.clientId === expected.clientId &&
		typeof tx.redirectUri === 'string' &&
		tx.redirectUri === expected.redirectUri &&
		(expected.kind === undefined || (tx.kind ?? 'oidc') === expected.kind)
	);
}

type CookieAttributes = Parameters<Cookies['set']>[2];

interface ExistingCookie {
	name: string;
	bytes: number;
	issuedAt: number;
}

/**
 * Stores the state of authentication transactions in encrypted, stateless cookies, one per `state`
 * (Auth0 `TransactionStore`, adapted to SvelteKit's `Cookies`, which is both the request and the
 * response side). Values are sealed as JWE under a key derived for the `transaction` purpose only,
 * so a transaction cookie never opens as a session or handoff value.
 *
 * Differences from Auth0's store: a read also checks that the sealed `state` equals the requested
 * one (a value copied under another cookie name is refused) and, given an {@link ExpectedProvider},
 * the provider; parallel transactions are bounded by count and size; options are validated here.
 *
 * @throws {TypeError} with `code` `ERR_INVALID_OPTION` (the message names the option) or
 * `ERR_MISSING_SECRET`.
 *
 * @example
 * ```ts
 * const transactions = new TransactionStore({ secret: AUTH_SECRET, origin: 'https://app.example.com' });
 *
 * // login: before redirecting to the authorization server
 * await transactions.save(event.cookies, { state, nonce, codeVerifier, responseType: 'code',
 * 	returnTo: safeReturnTo(event.url.searchParams.get('returnTo'), origin),
 * 	issuer, clientId, redirectUri });
 *
 * // callback: read, then delete on success and failure alike (row T5)
 * const tx = await transactions.get(event.cookies, state, { issuer, clientId, redirectUri });
 * transactions.delete(event.cookies, state);
 * if (!tx) throw new AuthError('invalid_state', 'no transaction for this state'); // before any token request
 * ```
 */
export class TransactionStore {
	readonly #sealer: Sealer;
	readonly #clock: Clock;
	readonly #prefix: string;
	readonly #parallel: boolean;
	readonly #maxTransactions: number;
	readonly #maxAge: number;
	readonly #attributes: CookieAttributes;

	constructor(options: TransactionStoreOptions = {}) {
		const fail = (option: string, rule: string) =>
			misuse('ERR_INVALID_OPTION', `TransactionStore: options.${option} ${rule}`);
		if (typeof options !== 'object' || options === null) throw misuse('ERR_INVALID_OPTION', 'TransactionStore: options must be an object');
		for (const key of Object.keys(options)) {
			if (!KNOWN_OPTIONS.has(key)) throw fail(key, 'is not a TransactionStore option');
		}
		const cookieOptions = options.cookieOptions ?? {};
		if (typeof cookieOptions !== 'object' || cookieOptions === null) throw fail('cookieOptions', 'must be an object');
		for (const key of Object.keys(cookieOptions)) {
			if (!KNOWN_COOKIE_OPTIONS.has(key)) throw fail(`cookieOptions.${key}`, 'is not a transaction cookie option');
		}

		const {
			prefix: explicitPrefix,
			sameSite = DEFAULTS.cookieAttributes.sameSite,
			secure,
			path = DEFAULTS.cookieAttributes.path,
			domain,
			maxAge = DEFAULTS.transaction.maxAgeSeconds
		} = cookieOptions;
		if (explicitPrefix !== undefined && (typeof explicitPrefix !== 'string' || explicitPrefix.length === 0 || explicitPrefix.length > 64 || !TOKEN_PATTERN.test(explicitPrefix))) {
			throw fail('cookieOptions.prefix', 'must be 1–64 cookie-name (RFC 9110 token) characters');
		}
		if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
			throw fail('cookieOptions.sameSite', "must be 'lax', 'strict' or 'none'");
		}
		if (secure !== undefined && typeof secure !== 'boolean') throw fail('cookieOptions.secure', 'must be a boolean');
		if (typeof path !== 'string' || !PATH_PATTERN.test(path)) {
			throw fail('cookieOptions.path', "must be an absolute path such as '/' without spaces, ';' or ','");
		}
		if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN_PATTERN.test(domain))) {
			throw fail('cookieOptions.domain', 'must be a host name such as example.com');
		}
		if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge <= 0) {
			throw fail('cookieOptions.maxAge', 'must be a positive integer number of seconds');
		}

		const parallel = options.enableParallelTransactions ?? true;
		if (typeof parallel !== 'boolean') throw fail('enableParallelTransactions', 'must be a boolean');
		const maxTransactions = options.maxTransactions ?? DEFAULTS.transaction.maxTransactions;
		if (typeof maxTransactions !== 'number' || !Number.isInteger(maxTransactions) || maxTransactions < 1) {
			throw fail('maxTransactions', 'must be an integer of at least 1');
		}
		const clock = options.clock ?? systemClock;
		if (typeof clock !== 'function') throw fail('clock', 'must be a function returning milliseconds since the epoch');

		let origin: URL | undefined;
		if (options.origin !== undefined) {
			try {
				origin = new URL(options.origin);
			} catch {
				throw fail('origin', "must be an absolute http(s) URL such as 'https://app.example.com'");
			}
			if (origin.protocol !== 'https:' && origin.protocol !== 'http:') {
				throw fail('origin', "must be an absolute http(s) URL such as 'https://app.example.com'");
			}
		}

		// The seed's rule: the base URL's protocol decides. Without a base URL the attribute is left out
		// so SvelteKit applies its own per-request default (Secure unless http://localhost); an explicit
		// `secure: undefined` would override that default with "not Secure".
		const resolvedSecure = secureFor(secure, origin, 'configured-origin');
		// On a Secure origin the default is `__Host-txn_`: a sibling subdomain cannot toss its own
		// transaction cookie into this browser (login CSRF through cookie tossing).
		const prefix = explicitPrefix ?? cookieName('txn_', { secure: resolvedSecure, path, domain }, { plain: '__txn_', secure: '__txn_' });
		if (secure === undefined && origin?.protocol === 'http:' && secureFor(undefined, origin, 'app-url')) {
			warnOnce(
				'transaction-insecure-origin',
				`TransactionStore: options.origin ${origin.origin} is not https, so transaction cookies are sent without Secure`
			);
		}
		if (sameSite === 'none' && resolvedSecure !== true) {
			throw fail('cookieOptions.sameSite', "'none' requires options.cookieOptions.secure: true (or an https options.origin)");
		}
		const violation = prefixViolation(prefix, { secure: resolvedSecure, path, domain });
		if (violation === 'requires secure') {
			throw fail('cookieOptions.prefix', `'${prefix}' requires options.cookieOptions.secure: true (or an https options.origin)`);
		}
		if (violation !== null) throw fail('cookieOptions.prefix', `'${prefix}' requires options.cookieOptions.path '/' and no domain`);

		this.#sealer = createSealer({
			secrets: resolveSecrets('TransactionStore', options.secret),
			purpose: 'transaction',
			clock
		});
		this.#clock = clock;
		this.#prefix = prefix;
		this.#parallel = parallel;
		this.#maxTransactions = maxTransactions;
		this.#maxAge = maxAge;
		const attributes: CookieAttributes = { path, httpOnly: DEFAULTS.cookieAttributes.httpOnly, sameSite };
		if (domain !== undefined) attributes.domain = domain;
		if (resolvedSecure !== undefined) attributes.secure = resolvedSecure;
		this.#attributes = Object.freeze(attributes);
	}

	/**
	 * Seals `state` into the transaction cookie `{prefix}{state.state}` (or `{prefix}` without
	 * parallel transactions), with `Max-Age` and a sealed `exp` of `cookieOptions.maxAge`.
	 *
	 * With parallel transactions, the oldest transaction cookies (unreadable ones first, then by the
	 * issue time sealed inside them) are deleted in the same response so that at most
	 * `maxTransactions` remain and their total size stays under 4 KB. They are read from `reqCookies`,
	 * or from `resCookies` when it is omitted, since SvelteKit's `Cookies` holds the request's cookies.
	 *
	 * Without parallel transactions, and only when `reqCookies` is given, a save while a readable
	 * transaction cookie exists is ignored. An unreadable cookie (expired, tampered, planted) is
	 * overwritten, so a cookie tossed from a sibling subdomain cannot lock logins out.
	 *
	 * @param resCookies The response cookies (`event.cookies`).
	 * @param state The transaction to save.
	 * @param reqCookies The request cookies (`event.cookies`); enables the single-mode existence check.
	 * @returns true when the cookie was written, false when the save was ignored (single mode).
	 * @throws {TypeError} `ERR_INVALID_ARGUMENT` when `state.state` is missing or not 16–128 base64url
	 * characters, when `issuer`, `clientId` or `redirectUri` is not a non-empty string, or when the
	 * sealed cookie would exceed 4096 bytes.
	 */
	async save(resCookies: Cookies, state: TransactionState, reqCookies?: Cookies): Promise<boolean> {
		const fail = (rule: string) => misuse('ERR_INVALID_ARGUMENT', `TransactionStore.save: ${rule}`);
		if (typeof state !== 'object' || state === null) throw fail('the transaction state must be an object');
		if (state.state === undefined || state.state === null || state.state === '') {
			throw fail('the transaction state is missing the required state parameter');
		}
		if (typeof state.state !== 'string' || !STATE_PATTERN.test(state.state)) {
			throw fail('state.state must be 16–128 base64url characters (it names the cookie)');
		}
		for (const field of ['issuer', 'clientId', 'redirectUri'] as const) {
			if (typeof state[field] !== 'string' || state[field] === '') {
				throw fail(`state.${field} must be a non-empty string (it binds the transaction to its provider)`);
			}
		}
		if (state.kind !== undefined && state.kind !== 'oidc' && state.kind !== 'handoff') {
			throw fail("state.kind must be 'oidc' or 'handoff'");
		}

		const name = this.#cookieName(state.state);
		if (!this.#parallel && reqCookies && (await this.#read(reqCookies, name)) !== null) return false;

		const value = await this.#sealer.seal(pick(state), this.#clock() + this.#maxAge * 1000);
		const bytes = cookieBytes(name, value);
		if (bytes > MAX_COOKIE_BYTES) {
			throw fail(`the sealed transaction is ${bytes} bytes and browsers discard cookies over ${MAX_COOKIE_BYTES}; shorten returnTo or scope`);
		}
		resCookies.set(name, value, { ...this.#attributes, maxAge: this.#maxAge });
		if (this.#parallel) await this.#evict(reqCookies ?? resCookies, resCookies, name, bytes);
		return true;
	}

	/**
	 * Reads the transaction for `state`. Never throws and never writes a cookie.
	 *
	 * @param reqCookies The request cookies (`event.cookies`).
	 * @param state The `state` parameter of the callback, as received.
	 * @param expected When given, the transaction must have been started with this provider
	 * ({@link matchesProvider}).
	 * @returns The frozen transaction, or null when there is none, or it is expired, tampered, sealed
	 * under an unknown key or for another purpose, sealed for another `state` (copied under another
	 * cookie name), started with another provider, or when `state` is not a well-formed state.
	 */
	async get(reqCookies: Cookies, state: string, expected?: ExpectedProvider): Promise<TransactionState | null> {
		if (typeof state !== 'string' || !STATE_PATTERN.test(state)) return null;
		const tx = await this.#read(reqCookies, this.#cookieName(state));
		if (!tx || tx.state !== state) return null;
		if (expected && !matchesProvider(tx, expected)) return null;
		Object.freeze(tx);
		opened.add(tx);
		return tx;
	}

	/**
	 * Deletes the transaction cookie for `state` (`Max-Age=0` with the same name, path, domain and
	 * attributes it was written with). A malformed `state` names no cookie, so with parallel
	 * transactions it deletes nothing; without them the single cookie is deleted.
	 *
	 * @param resCookies The response cookies (`event.cookies`).
	 * @param state The `state` parameter identifying the transaction.
	 */
	delete(resCookies: Cookies, state: string): void {
		if (this.#parallel && (typeof state !== 'string' || !STATE_PATTERN.test(state))) return;
		resCookies.delete(this.#cookieName(state), this.#attributes);
	}

	/**
	 * Deletes every cookie of the request whose name starts with the prefix.
	 *
	 * @param reqCookies The request cookies (`event.cookies`).
	 * @param resCookies The response cookies (`event.cookies`).
	 */
	deleteAll(reqCookies: Cookies, resCookies: Cookies): void {
		for (const { name, value } of reqCookies.getAll()) {
			// SvelteKit lists cookies deleted earlier in this request with an empty value.
			if (value !== '' && name.startsWith(this.#prefix)) resCookies.delete(name, this.#attributes);
		}
	}

	/** The prefix of the transaction cookie names. */
	getCookiePrefix(): string {
		return this.#prefix;
	}

	#cookieName(state: string): string {
		return this.#parallel ? `${this.#prefix}${state}` : this.#prefix;
	}

	async #read(cookies: Cookies, name: string): Promise<TransactionState | null> {
		const value = cookies.get(name);
		if (!value || cookieBytes(name, value) > MAX_COOKIE_BYTES) return null;
		const result = await this.#sealer.open<Record<string, unknown>>(value);
		return result ? unpick(result.payload) : null;
	}

	async #evict(source: Cookies, resCookies: Cookies, savedName: string, savedBytes: number): Promise<void> {
		const candidates = source
			.getAll()
			.filter(({ name, value }) => value !== '' && name !== savedName && this.#isParallelName(name));
		let count = candidates.length + 1;
		let total = savedBytes + candidates.reduce((sum, { name, value }) => sum + cookieBytes(name, value), 0);
		// The common case decrypts nothing.
		if (count <= this.#maxTransactions && total <= MAX_TOTAL_BYTES) return;

		const existing: ExistingCookie[] = await Promise.all(
			candidates.map(async ({ name, value }) => {
				const bytes = cookieBytes(name, value);
				if (bytes > MAX_COOKIE_BYTES) return { name, bytes, issuedAt: -Infinity };
				const result = await this.#sealer.open<{ iat?: unknown }>(value);
				const iat = result?.payload.iat;
				return { name, bytes, issuedAt: typeof iat === 'number' ? iat : -Infinity };
			})
		);
		// Unreadable (expired, tampered, foreign) first, then oldest; sort is stable for equal times.
		existing.sort((a, b) => (a.issuedAt === b.issuedAt ? 0 : a.issuedAt < b.issuedAt ? -1 : 1));
		for (const victim of existing) {
			if (count <= this.#maxTransactions && total <= MAX_TOTAL_BYTES) break;
			resCookies.delete(victim.name, this.#attributes);
			count -= 1;
			total -= victim.bytes;
		}
	}

	#isParallelName(name: string): boolean {
		return name.startsWith(this.#prefix) && STATE_PATTERN.test(name.slice(this.#prefix.length));
	}
}

// What a name=value pair costs in the Cookie header, separator included.
function cookieBytes(name: string, value: string): number {
	return utf8(name).length + 1 + utf8(value).length + 2;
}

const FIELDS = [
	'codeVerifier',
	'responseType',
	'state',
	'returnTo',
	'nonce',
	'maxAge',
	'acrValues',
	'authSession',
	'scope',
	'audience',
	'issuer',
	'clientId',
	'redirectUri',
	'kind',
	'dpop'
] as const satisfies readonly (keyof TransactionState)[];

// Seals only the known fields: JWT claims (iat, exp) and the sealer's purpose claim are not the
// caller's to set, and unknown fields would grow the cookie unseen.
function pick(state: TransactionState): Record<string, unknown> {
	const payload: Record<string, unknown> = {};
	for (const field of FIELDS) if (state[field] !== undefined) payload[field] = state[field];
	return payload;
}

function unpick(payload: Record<string, unknown>): TransactionState | null {
	const tx: Record<string, unknown> = {};
	for (const field of FIELDS) if (payload[field] !== undefined) tx[field] = payload[field];
	// Sealed by us, but possibly by an older version with another shape.
	if (typeof tx.state !== 'string' || typeof tx.issuer !== 'string' || typeof tx.clientId !== 'string' || typeof tx.redirectUri !== 'string') {
		return null;
	}
	return tx as unknown as TransactionState;
}
