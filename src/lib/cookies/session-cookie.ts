import type { Clock } from '../clock.js';
import type { DpopPrivateJwk } from '../crypto/dpop/dpop-key.js';
import { deepFreeze, isRecord } from '../json.js';
import { DEFAULTS } from '../defaults.js';
import type { AuthUser, SessionInfo } from '../types.js';
import type { CookieAttributes, CookieBatch } from './cookie-batch.js';
import { clearChunked, readChunked, writeChunked } from './chunked-cookie.js';
import type { Opened, Sealer } from './seal.js';
import { SessionCache, type CacheSlot } from './session-cache.js';
import { cookieName, secureFor as secureByPolicy } from './cookie-policy.js';
import type { ResolvedSessionOptions } from './session-options.js';

/** Tokens kept server-side, inside the sealed session: never sent to the browser in the clear. */
export interface TokenSet {
	readonly accessToken: string;
	readonly tokenType: string;
	/** Access-token expiry (ms since the epoch). */
	readonly expiresAt: number;
	readonly refreshToken?: string;
	readonly idToken?: string;
	readonly scope?: string;
	/**
	 * The private key a DPoP-bound access token (`tokenType` `'DPoP'`) is bound to (RFC 9449): later
	 * calls with the token prove possession with it. Only ever written sealed (docs/SECURITY.md D2).
	 */
	readonly dpop?: DpopPrivateJwk;
}

/** Everything a session cookie holds. */
export interface SessionRecord {
	readonly id: string;
	readonly source: SessionInfo['source'];
	readonly user: AuthUser;
	/** Start of the session (ms): the absolute lifetime counts from here. */
	readonly createdAt: number;
	/** Last time the session was re-sealed (ms): the inactivity limit counts from here. */
	readonly touchedAt: number;
	readonly tokens?: TokenSet;
	/** The refresh-token family and the generation this cookie holds. */
	readonly family?: { readonly id: string; readonly generation: number };
	/** The authorization server's view of the session, for back-channel logout. */
	readonly idp?: { readonly iss: string; readonly sub: string; readonly sid?: string };
	/** How the user authenticated: the ID token's `acr` and `auth_time` (ms), what a step-up is checked against. */
	readonly authn?: { readonly acr?: string; readonly authTime?: number };
	/** An absolute end set by the IdP (ms; IPSIE SL1 `session_expiry`): the session never outlives it. */
	readonly expiresCap?: number;
}

/** The outcome of reading the session cookie of a request. */
export type SessionRead =
	| { readonly kind: 'none' }
	| { readonly kind: 'invalid'; readonly present: string[] }
	| {
			readonly kind: 'valid';
			readonly record: SessionRecord;
			readonly expiresAt: number;
			readonly present: string[];
			/** Re-seal now: the rolling interval has passed or the cookie was sealed under an older secret. */
			readonly reseal: boolean;
			/** A slot that lives as long as this exact cookie value stays cached: callers memoize derived values here. */
			readonly memo: { value?: unknown };
	  };

/** A sealed session cookie value and the expiry of the session it holds. */
export interface SealedSession {
	readonly value: string;
	readonly expiresAt: number;
}

/** A cached session; it is its own memo slot (`value`), so a cached session is one object more than its record. */
interface CacheEntry extends CacheSlot {
	readonly record: SessionRecord;
	readonly expiresAt: number;
	readonly stale: boolean;
	value?: unknown;
}

const NONE: SessionRead = Object.freeze({ kind: 'none' });

/** Reads and writes the sealed, possibly chunked, session cookie. */
export interface SessionCookie {
	/** The cookie name for an app served at `url`. */
	name(url: URL): string;
	/** Set-Cookie attributes (without Max-Age) for an app served at `url`. */
	attributes(url: URL): CookieAttributes;
	/**
	 * Reads the session from a request's Cookie header. Never throws for a bad cookie. Answers
	 * synchronously unless the cookie must be decrypted (first sight in this process) on the Web
	 * Crypto path; with native AES-GCM, always synchronously once the keys are derived.
	 */
	read(cookieHeader: string | null, url: URL): SessionRead | Promise<SessionRead>;
	/**
	 * Seals `record` into the batch, deleting cookies of `present` it does not overwrite; returns the
	 * expiry. The new cookie is cached, so the browser's next request with it is a hit.
	 */
	write(batch: CookieBatch, url: URL, record: SessionRecord, present: readonly string[]): Promise<number>;
	/**
	 * {@link write} in two steps: seals and caches `record`; the result can be {@link put} on several
	 * responses. One record object is sealed once: sealing it again answers the same cookie value.
	 * `memo` is the new cookie's memo slot: callers carry derived values over from the cookie it replaces.
	 */
	seal(record: SessionRecord): Promise<SealedSession & { readonly memo: { value?: unknown } }>;
	/** Writes an already sealed session into the batch, as {@link write} does; throws when it is too large. */
	put(batch: CookieBatch, url: URL, sealed: SealedSession, present: readonly string[]): void;
	/** Whether `record`, read now, is due for a re-seal (the rolling interval since it was last sealed has passed). */
	dueForReseal(record: Pick<SessionRecord, 'touchedAt'>): boolean;
	/** Deletes every cookie of `present`. */
	clear(batch: CookieBatch, url: URL, present: readonly string[]): void;
	/** When a record expires: the earlier of the inactivity and the absolute limit. */
	expiryOf(record: Pick<SessionRecord, 'createdAt' | 'touchedAt' | 'expiresCap'>): number;
}

/** Thrown by `write` when a session cannot be stored in cookies within the size budget. */
export class SessionTooLargeError extends Error {
	constructor() {
		super(`session does not fit in ${DEFAULTS.cookie.maxTotalBytes} bytes of cookies`);
		this.name = 'SessionTooLargeError';
	}
}

/**
 * Creates the session cookie codec. The per-request path is built to do no avoidable work: a request
 * without the cookie costs one substring test; an unchanged cookie is decrypted once per process and
 * then found in a bounded cache keyed by its exact sealed value (equal strings are equal ciphertexts,
 * already authenticated), while expiry is still checked against the clock on every request.
 */
export function createSessionCookie(config: {
	options: ResolvedSessionOptions;
	sealer: Sealer;
	clock: Clock;
	cacheSize?: number;
	cacheBytes?: number;
}): SessionCookie {
	const { options, sealer, clock } = config;
	const cache = new SessionCache<CacheEntry>({
		maxEntries: config.cacheSize ?? DEFAULTS.auth.sessionCacheSize,
		maxBytes: config.cacheBytes ?? DEFAULTS.auth.sessionCacheBytes
	});
	const limits = DEFAULTS.cookie;

	const secureFor = (url: URL) => secureByPolicy(options.secure, url, 'app-url') === true;
	const nameFor = (secure: boolean) =>
		options.cookieName ?? cookieName(DEFAULTS.session.cookieName, { secure, path: options.path, domain: options.domain });
	// Both possible default names contain this, so one substring test rules out most requests.
	const marker = options.cookieName ?? DEFAULTS.session.cookieName;

	const expiryOf = (record: Pick<SessionRecord, 'createdAt' | 'touchedAt' | 'expiresCap'>) =>
		Math.min(record.createdAt + options.maxAgeMs, record.touchedAt + options.idleTimeoutMs, record.expiresCap ?? Infinity);

	function attributes(url: URL): CookieAttributes {
		const secure = secureFor(url);
		return {
			path: options.path,
			httpOnly: options.httpOnly,
			sameSite: options.sameSite,
			secure,
			...(options.domain === undefined ? {} : { domain: options.domain })
		};
	}

	const dueAt = (record: Pick<SessionRecord, 'touchedAt'>, now: number) => now - record.touchedAt >= options.rollingIntervalMs;

	// Expiry is checked on every request, cached or not.
	function check(value: string, entry: CacheEntry, present: string[]): SessionRead {
		const now = clock();
		if (entry.expiresAt <= now) {
			cache.delete(value);
			return { kind: 'invalid', present };
		}
		const reseal = entry.stale || dueAt(entry.record, now);
		return { kind: 'valid', record: entry.record, expiresAt: entry.expiresAt, present, reseal, memo: entry };
	}

	function remember(key: string, record: SessionRecord, expiresAt: number, stale: boolean): CacheEntry {
		const entry: CacheEntry = { key, bytes: estimateBytes(key), tick: 0, record, expiresAt, stale, value: undefined };
		cache.set(entry);
		return entry;
	}

	function opened(value: string, present: string[], result: Opened<{ s?: unknown }> | null): SessionRead {
		const record = result ? toRecord(result.payload.s) : null;
		if (!result || !record) return { kind: 'invalid', present };
		// The key is kept as a string of its own: a value cut out of the Cookie header would keep the
		// whole header alive for as long as the entry lives.
		const fresh = remember(ownCopy(value), record, Math.min(result.expiresAt, expiryOf(record)), result.stale);
		return check(value, fresh, present);
	}

	// One seal per record object: concurrent requests that waited for the same refresh hold the same
	// record (one outcome per family generation, refresher.ts), and all of them carry one cookie value
	// instead of one encryption and one cache entry each. Records are immutable once sealed.
	const sealing = new WeakMap<SessionRecord, Promise<SealedSession & { readonly memo: { value?: unknown } }>>();

	function seal(record: SessionRecord): Promise<SealedSession & { readonly memo: { value?: unknown } }> {
		let pending = sealing.get(record);
		if (pending === undefined) sealing.set(record, (pending = sealNow(record)));
		return pending;
	}

	async function sealNow(record: SessionRecord): Promise<SealedSession & { readonly memo: { value?: unknown } }> {
		const expiresAt = expiryOf(record);
		const value = await sealer.seal({ s: record }, expiresAt);
		if (value.length > limits.maxTotalBytes) throw new SessionTooLargeError();
		return { value, expiresAt, memo: remember(value, deepFreeze(structuredClone(record)), expiresAt, false) };
	}

	function put(batch: CookieBatch, url: URL, sealed: SealedSession, present: readonly string[]): void {
		const attrs = { ...attributes(url), maxAge: Math.max(1, Math.floor((sealed.expiresAt - clock()) / 1000)) };
		if (!writeChunked(batch, nameFor(attrs.secure ?? true), sealed.value, attrs, present, limits)) {
			throw new SessionTooLargeError();
		}
	}

	return {
		name: (url) => nameFor(secureFor(url)),
		attributes,
		expiryOf,

		read(header, url) {
			if (header === null || !header.includes(marker)) return NONE;
			const name = nameFor(secureFor(url));
			const { cookies, duplicated } = pickCookies(header, name);
			if (cookies.size === 0) return NONE;
			const present = [...cookies.keys()];
			// Two cookies of one name (cookie tossing from a sibling domain, S5): trust neither.
			if (duplicated) return { kind: 'invalid', present };
			const joined = readChunked(cookies, name, limits.maxChunks);
			if (joined.inconsistent || joined.value === null) return { kind: 'invalid', present };
			const value = joined.value;
			const entry = cache.get(value);
			if (entry !== undefined) return check(value, entry, present);
			// Synchronous on the native AES-GCM path: the first request of a session needs no promise either.
			const result = sealer.open<{ s?: unknown }>(value);
			return result instanceof Promise ? result.then((r) => opened(value, present, r)) : opened(value, present, result);
		},

		async write(batch, url, record, present) {
			const sealed = await seal(record);
			put(batch, url, sealed, present);
			return sealed.expiresAt;
		},

		seal,
		put,
		dueForReseal: (record) => dueAt(record, clock()),

		clear(batch, url, present) {
			clearChunked(batch, present, attributes(url));
		}
	};
}

const copyEncoder = new TextEncoder();
const copyDecoder = new TextDecoder();

/** A fresh string equal to `value`, holding no reference to a larger string it was cut from. */
function ownCopy(value: string): string {
	return copyDecoder.decode(copyEncoder.encode(value));
}

/**
 * What a cached session costs in heap, estimated from its sealed length: the key string (one byte a
 * character), the opened record (its JSON is about 3/4 of the sealed length; strings and objects add
 * their headers) and the memo. `npm run bench` measures the real figure beside this estimate
 * (bench/results.md, "Memory"); the estimate errs high.
 */
function estimateBytes(sealed: string): number {
	return 2 * sealed.length + 1024;
}

/**
 * Picks the cookies named `name` or `name.N` from a raw Cookie header. SvelteKit's parser keeps the
 * first of duplicate names, which is exactly the one an attacker tosses in first; reading the raw
 * header is how a duplicate is seen at all.
 */
const CHUNK_SUFFIX = /^\.\d{1,2}$/;

function pickCookies(header: string, name: string): { cookies: Map<string, string>; duplicated: boolean } {
	const cookies = new Map<string, string>();
	let duplicated = false;
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq === -1) continue;
		const key = part.slice(0, eq).trim();
		if (key !== name && !(key.startsWith(name) && CHUNK_SUFFIX.test(key.slice(name.length)))) continue;
		if (cookies.has(key)) duplicated = true;
		cookies.set(key, part.slice(eq + 1).trim());
	}
	return { cookies, duplicated };
}

function isString(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0;
}

/** Validates the shape of an opened payload: a sealed value is authentic, but may come from an older version. */
function toRecord(value: unknown): SessionRecord | null {
	if (!isRecord(value)) return null;
	const r = value;
	const user = r.user as Record<string, unknown> | undefined;
	if (!isString(r.id) || !['handoff', 'oidc', 'testing'].includes(r.source as string)) return null;
	if (!user || typeof user !== 'object' || !isString(user.id)) return null;
	if (typeof r.createdAt !== 'number' || typeof r.touchedAt !== 'number') return null;
	if (r.expiresCap !== undefined && typeof r.expiresCap !== 'number') return null;
	return deepFreeze(r as unknown as SessionRecord);
}
