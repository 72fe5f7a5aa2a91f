import { misuse } from '../errors.js';
import { warnOnce } from '../environment.js';
import { DEFAULTS } from '../defaults.js';

/** Session cookie options: seed 001's `sessionOptions`, plus the limits a security review asks for. */
export interface SessionOptions {
	/**
	 * Cookie name. Default: `__Host-sso` when the cookie is `Secure` (a sibling subdomain cannot set or
	 * overwrite it), `sso` on http://localhost and loopback addresses during development.
	 */
	cookieName?: string;
	/** Default `'lax'`; `'strict'` breaks the cross-site arrival of a handoff or OIDC callback. */
	sameSite?: 'strict' | 'lax' | 'none';
	/** Default: true, except for an app served over http on a loopback host. `false` warns. */
	secure?: boolean;
	/** Default `'/'`. */
	path?: string;
	/** Cookie domain. Default none (host-only); setting one gives up the `__Host-` prefix. */
	domain?: string;
	/** Absolute session lifetime in seconds, enforced from the sealed claims. Default 7 days. */
	maxAge?: number;
	/** Inactivity limit in seconds, enforced from the sealed claims. Default 1 day (at most `maxAge`). */
	idleTimeout?: number;
	/** A plain read re-seals the cookie at most this often (seconds). Default 5 minutes. */
	rollingInterval?: number;
	/** Default true. `false` exposes the session to scripts and warns. */
	httpOnly?: boolean;
}

/** Validated session options with defaults applied. `secure` stays undefined when it follows the URL. */
export interface ResolvedSessionOptions {
	cookieName: string | undefined;
	sameSite: 'strict' | 'lax' | 'none';
	secure: boolean | undefined;
	path: string;
	domain: string | undefined;
	maxAgeMs: number;
	idleTimeoutMs: number;
	rollingIntervalMs: number;
	httpOnly: boolean;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

function positiveSeconds(fn: string, option: string, value: unknown): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.${option} must be a positive number of seconds`);
	}
	return value * 1000;
}

/** Validates `sessionOptions` once, at construction; errors name the option. */
export function resolveSessionOptions(fn: string, options: SessionOptions | undefined): ResolvedSessionOptions {
	if (options !== undefined && (typeof options !== 'object' || options === null)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions must be an object`);
	}
	const o = { ...DEFAULTS.cookieAttributes, ...DEFAULTS.session, ...stripUndefined(options ?? {}) };
	if (o.cookieName !== DEFAULTS.session.cookieName && !COOKIE_NAME.test(o.cookieName)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.cookieName must be a cookie-name token of at most 64 characters`);
	}
	if (!['strict', 'lax', 'none'].includes(o.sameSite)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.sameSite must be 'strict', 'lax' or 'none'`);
	}
	if (typeof o.path !== 'string' || !o.path.startsWith('/')) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.path must start with '/'`);
	}
	const secure = options?.secure;
	if (secure !== undefined && typeof secure !== 'boolean') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.secure must be a boolean`);
	}
	if (o.sameSite === 'none' && secure === false) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.sameSite 'none' requires secure`);
	}
	const maxAgeMs = positiveSeconds(fn, 'maxAge', o.maxAge);
	const idleTimeoutMs = Math.min(positiveSeconds(fn, 'idleTimeout', o.idleTimeout), maxAgeMs);
	if (typeof o.rollingInterval !== 'number' || !(o.rollingInterval >= 0)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.rollingInterval must be a number of seconds ≥ 0`);
	}
	const rollingIntervalMs = Math.min(o.rollingInterval * 1000, idleTimeoutMs / 2);
	const explicitName = options?.cookieName;
	if (explicitName?.startsWith('__Host-') && (o.path !== '/' || o.domain !== undefined || secure === false)) {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.sessionOptions.cookieName with the __Host- prefix requires path '/', no domain and secure`);
	}
	if (secure === false) {
		warnOnce(`${fn}:secure`, `${fn}: options.sessionOptions.secure is false: the session cookie travels over plain http. Never do this in production.`);
	}
	if (o.httpOnly === false) {
		warnOnce(`${fn}:httpOnly`, `${fn}: options.sessionOptions.httpOnly is false: scripts on the page can read the session. Never do this in production.`);
	}
	return {
		cookieName: explicitName,
		sameSite: o.sameSite,
		secure,
		path: o.path,
		domain: (o as { domain?: string }).domain,
		maxAgeMs,
		idleTimeoutMs,
		rollingIntervalMs,
		httpOnly: o.httpOnly !== false
	};
}

function stripUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
