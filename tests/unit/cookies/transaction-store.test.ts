import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cookies } from '@sveltejs/kit';
import {
	TransactionStore,
	isOpenedTransaction,
	matchesProvider,
	type TransactionState,
	type TransactionStoreOptions
} from '../../../src/lib/cookies/transaction-store.js';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { randomToken } from '../../../src/lib/crypto/base64url.js';
import { CookieJar, kitCookies } from '../../support/kit-cookies.js';
import { defaultAesGcm } from '../../../src/lib/crypto/aes-gcm.js';
import { TEST_SECRET } from '../../support/fake-event.js';

const SECRET = TEST_SECRET;
const OTHER_SECRET = 'b'.repeat(32);
const APP = 'https://app.example.com';
const PROVIDER = {
	issuer: 'https://id.example.com',
	clientId: 'app-client',
	redirectUri: 'https://app.example.com/auth/callback'
};
const START = 1_800_000_000_000;

let now = START;
const clock = () => now;

beforeEach(() => {
	now = START;
});

afterEach(() => {
	vi.restoreAllMocks();
});

function store(options: TransactionStoreOptions = {}): TransactionStore {
	return new TransactionStore({ secret: SECRET, clock, ...options });
}

function transaction(overrides: Partial<TransactionState> = {}): TransactionState {
	return {
		codeVerifier: randomToken(),
		responseType: 'code',
		state: randomToken(),
		returnTo: '/dashboard?tab=1',
		nonce: randomToken(),
		scope: 'openid profile email',
		...PROVIDER,
		...overrides
	};
}

interface Exchange<T> {
	result: T;
	setCookies: string[];
	cookies: Cookies;
}

/** One request: Kit's real cookies built from the jar, the handler run, its Set-Cookie applied to the jar. */
async function exchange<T>(
	jar: CookieJar,
	handler: (cookies: Cookies) => Promise<T> | T,
	url = `${APP}/auth/login`
): Promise<Exchange<T>> {
	const kit = kitCookies(url, jar.header());
	const result = await handler(kit.cookies);
	const setCookies = kit.setCookies();
	jar.apply(setCookies);
	return { result, setCookies, cookies: kit.cookies };
}

interface ParsedSetCookie {
	name: string;
	value: string;
	attributes: Map<string, string>;
}

function parse(line: string): ParsedSetCookie {
	const [pair, ...rest] = line.split(';');
	const index = pair.indexOf('=');
	const attributes = new Map<string, string>();
	for (const attribute of rest) {
		const [key, ...value] = attribute.trim().split('=');
		attributes.set(key.toLowerCase(), value.join('='));
	}
	return { name: pair.slice(0, index), value: pair.slice(index + 1), attributes };
}

function transactionCookies(jar: CookieJar, prefix?: string): string[] {
	return [...jar.values.keys()].filter((name) => (prefix ? name.startsWith(prefix) : /^(__Host-txn_|__txn_)/.test(name)));
}

/** Counts every read and write a handler makes on Kit's cookies. */
function spyOnCookies(cookies: Cookies) {
	return {
		get: vi.spyOn(cookies, 'get'),
		getAll: vi.spyOn(cookies, 'getAll'),
		set: vi.spyOn(cookies, 'set'),
		delete: vi.spyOn(cookies, 'delete')
	};
}

describe('TransactionStore construction', () => {
	it('rejects every invalid option with a misuse TypeError that names the option', () => {
		const cases: Array<[TransactionStoreOptions, RegExp]> = [
			[{ cookieOptions: { prefix: '' } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { prefix: 'txn;' } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { prefix: 'txn=' } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { prefix: 'tx n' } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { prefix: 'a'.repeat(65) } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { sameSite: 'Lax' as 'lax' } }, /options\.cookieOptions\.sameSite/],
			[{ cookieOptions: { sameSite: true as unknown as 'lax' } }, /options\.cookieOptions\.sameSite/],
			[{ cookieOptions: { sameSite: 'none' } }, /options\.cookieOptions\.sameSite 'none' requires/],
			[{ cookieOptions: { sameSite: 'none', secure: false } }, /options\.cookieOptions\.sameSite/],
			[{ cookieOptions: { sameSite: 'none' }, origin: 'http://127.0.0.1:5173' }, /options\.cookieOptions\.sameSite/],
			[{ cookieOptions: { secure: 'yes' as unknown as boolean } }, /options\.cookieOptions\.secure must be a boolean/],
			[{ cookieOptions: { path: 'auth' } }, /options\.cookieOptions\.path/],
			[{ cookieOptions: { path: '/a;b' } }, /options\.cookieOptions\.path/],
			[{ cookieOptions: { domain: 'a b.com' } }, /options\.cookieOptions\.domain/],
			[{ cookieOptions: { domain: 'example.com; Secure' } }, /options\.cookieOptions\.domain/],
			[{ cookieOptions: { maxAge: 0 } }, /options\.cookieOptions\.maxAge must be a positive/],
			[{ cookieOptions: { maxAge: -60 } }, /options\.cookieOptions\.maxAge/],
			[{ cookieOptions: { maxAge: 1.5 } }, /options\.cookieOptions\.maxAge/],
			[{ cookieOptions: { maxAge: Number.NaN } }, /options\.cookieOptions\.maxAge/],
			[{ cookieOptions: { maxAge: '3600' as unknown as number } }, /options\.cookieOptions\.maxAge/],
			[{ cookieOptions: { prefix: '__Host-txn_' } }, /options\.cookieOptions\.prefix '__Host-txn_' requires .*secure/],
			[{ cookieOptions: { prefix: '__Secure-txn_', secure: false } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { prefix: '__Host-txn_', secure: true, path: '/auth' } }, /options\.cookieOptions\.prefix .*path/],
			[{ cookieOptions: { prefix: '__Host-txn_', secure: true, domain: 'example.com' } }, /options\.cookieOptions\.prefix/],
			[{ cookieOptions: { httpOnly: false } as never }, /options\.cookieOptions\.httpOnly is not/],
			[{ cookieOptions: 'x' as never }, /options\.cookieOptions must be an object/],
			[{ maxTransactions: 0 }, /options\.maxTransactions must be an integer of at least 1/],
			[{ maxTransactions: 2.5 }, /options\.maxTransactions/],
			[{ enableParallelTransactions: 'no' as unknown as boolean }, /options\.enableParallelTransactions/],
			[{ origin: 'app.example.com' }, /options\.origin/],
			[{ origin: 'ftp://app.example.com' }, /options\.origin/],
			[{ clock: 5 as unknown as () => number }, /options\.clock/],
			[{ cookieOption: {} } as never, /options\.cookieOption is not a TransactionStore option/],
			[{ secret: 'short' }, /TransactionStore: options\.secret must be at least 32 bytes/]
		];
		for (const [options, message] of cases) {
			let error: unknown;
			try {
				store(options);
			} catch (caught) {
				error = caught;
			}
			expect(error, JSON.stringify(options)).toBeInstanceOf(TypeError);
			expect((error as Error).message, JSON.stringify(options)).toMatch(/^TransactionStore: /);
			expect((error as Error).message, JSON.stringify(options)).toMatch(message);
			expect((error as { code: string }).code, JSON.stringify(options)).toBe('ERR_INVALID_OPTION');
		}
	});

	it('accepts the valid neighbours of those options', () => {
		expect(() => store({ cookieOptions: { sameSite: 'none', secure: true } })).not.toThrow();
		expect(() => store({ cookieOptions: { sameSite: 'none' }, origin: APP })).not.toThrow();
		expect(() => store({ cookieOptions: { sameSite: 'strict', path: '/auth', domain: 'example.com', maxAge: 1 } })).not.toThrow();
		expect(() => store({ cookieOptions: { prefix: '__Host-txn_' }, origin: APP })).not.toThrow();
		expect(() => store({ cookieOptions: { prefix: '__Secure-txn_', secure: true, path: '/auth' } })).not.toThrow();
		expect(() => store({ maxTransactions: 1, enableParallelTransactions: false, origin: new URL(APP) })).not.toThrow();
		expect(() => store({ cookieOptions: { prefix: undefined, maxAge: undefined } })).not.toThrow();
		expect(() => new TransactionStore({ secret: [SECRET, OTHER_SECRET] })).not.toThrow();
	});

	it('reports its prefix', () => {
		expect(store().getCookiePrefix()).toBe('__txn_');
		// On a Secure origin the default name cannot be tossed in from a sibling subdomain.
		expect(store({ origin: APP }).getCookiePrefix()).toBe('__Host-txn_');
		expect(store({ origin: 'http://127.0.0.1:5173' }).getCookiePrefix()).toBe('__txn_');
		expect(store({ origin: APP, cookieOptions: { domain: 'example.com' } }).getCookiePrefix()).toBe('__txn_');
		expect(store({ cookieOptions: { prefix: 'auth.tx-' } }).getCookiePrefix()).toBe('auth.tx-');
	});
});

describe('TransactionStore cookie attributes', () => {
	async function saveAt(url: string, options: TransactionStoreOptions = {}) {
		const tx = transaction();
		const { setCookies } = await exchange(new CookieJar(), (cookies) => store(options).save(cookies, tx), url);
		expect(setCookies).toHaveLength(1);
		return { tx, cookie: parse(setCookies[0]) };
	}

	it('writes {prefix}{state} as HttpOnly, SameSite=Lax, Path=/, Max-Age=3600, never Strict by default', async () => {
		const { tx, cookie } = await saveAt(`${APP}/auth/login`, { origin: APP });
		expect(cookie.name).toBe(`__Host-txn_${tx.state}`);
		expect(cookie.attributes.has('httponly')).toBe(true);
		expect(cookie.attributes.get('samesite')).toBe('Lax');
		expect(cookie.attributes.get('path')).toBe('/');
		expect(cookie.attributes.get('max-age')).toBe('3600');
		expect(cookie.attributes.has('domain')).toBe(false);
		expect(cookie.attributes.has('secure')).toBe(true);
	});

	it('decides Secure from options.origin: https yes, http://127.0.0.1 and http://localhost no', async () => {
		expect((await saveAt(`${APP}/auth/login`, { origin: APP })).cookie.attributes.has('secure')).toBe(true);
		// behind a TLS-terminating proxy the request URL may say http; the configured origin wins
		expect((await saveAt('http://app.example.com/auth/login', { origin: APP })).cookie.attributes.has('secure')).toBe(true);
		const loopback = 'http://127.0.0.1:5173';
		expect((await saveAt(`${loopback}/auth/login`, { origin: loopback })).cookie.attributes.has('secure')).toBe(false);
		const localhost = 'http://localhost:5173';
		expect((await saveAt(`${localhost}/auth/login`, { origin: localhost })).cookie.attributes.has('secure')).toBe(false);
	});

	it("without options.origin leaves Secure to SvelteKit's per-request default (all but http://localhost)", async () => {
		expect((await saveAt(`${APP}/auth/login`)).cookie.attributes.has('secure')).toBe(true);
		expect((await saveAt('http://localhost:5173/auth/login')).cookie.attributes.has('secure')).toBe(false);
		// Kit's own rule, documented: 127.0.0.1 needs options.origin (see the test above)
		expect((await saveAt('http://127.0.0.1:5173/auth/login')).cookie.attributes.has('secure')).toBe(true);
	});

	it('lets an explicit secure option win over the origin', async () => {
		expect((await saveAt(`${APP}/auth/login`, { origin: APP, cookieOptions: { secure: false } })).cookie.attributes.has('secure')).toBe(false);
		const loopback = 'http://127.0.0.1:5173';
		expect((await saveAt(`${loopback}/x`, { origin: loopback, cookieOptions: { secure: true } })).cookie.attributes.has('secure')).toBe(true);
	});

	it('applies custom prefix, sameSite, path, domain and maxAge', async () => {
		const { tx, cookie } = await saveAt(`${APP}/auth/login`, {
			origin: APP,
			cookieOptions: { prefix: 'tx.', sameSite: 'none', path: '/auth', domain: 'app.example.com', maxAge: 600 }
		});
		expect(cookie.name).toBe(`tx.${tx.state}`);
		expect(cookie.attributes.get('samesite')).toBe('None');
		expect(cookie.attributes.get('path')).toBe('/auth');
		expect(cookie.attributes.get('domain')).toBe('app.example.com');
		expect(cookie.attributes.get('max-age')).toBe('600');
		expect(cookie.attributes.has('secure')).toBe(true);
		expect(cookie.attributes.has('httponly')).toBe(true);
	});

	it('deletes with Max-Age=0 and exactly the attributes the cookie was written with', async () => {
		for (const options of [
			{ origin: APP },
			{ origin: 'http://127.0.0.1:5173' },
			{ origin: APP, cookieOptions: { path: '/auth', domain: 'example.com', sameSite: 'strict' as const } },
			{ origin: APP, enableParallelTransactions: false }
		] satisfies TransactionStoreOptions[]) {
			const s = store(options);
			const tx = transaction();
			const jar = new CookieJar();
			const saved = await exchange(jar, (cookies) => s.save(cookies, tx), `${APP}/auth/login`);
			const deleted = await exchange(jar, (cookies) => s.delete(cookies, tx.state), `${APP}/auth/callback`);
			expect(deleted.setCookies).toHaveLength(1);
			const written = parse(saved.setCookies[0]);
			const removed = parse(deleted.setCookies[0]);
			expect(removed.name).toBe(written.name);
			expect(removed.value).toBe('');
			expect(removed.attributes.get('max-age')).toBe('0');
			const withoutLifetime = (c: ParsedSetCookie) => [...c.attributes].filter(([key]) => key !== 'max-age' && key !== 'expires');
			expect(withoutLifetime(removed)).toEqual(withoutLifetime(written));
			expect(transactionCookies(jar)).toEqual([]);
		}
	});
});

describe('TransactionStore save and get', () => {
	it('round-trips every field and returns a frozen, branded transaction', async () => {
		const s = store({ origin: APP });
		const tx = transaction({ maxAge: 300, authSession: 'as-1', audience: 'https://api.example.com', kind: 'oidc' });
		const jar = new CookieJar();
		const saved = await exchange(jar, (cookies) => s.save(cookies, tx));
		expect(saved.result).toBe(true);
		const { result } = await exchange(jar, (cookies) => s.get(cookies, tx.state), `${APP}/auth/callback?state=${tx.state}`);
		expect(result).toEqual(tx);
		expect(Object.isFrozen(result)).toBe(true);
		expect(isOpenedTransaction(result)).toBe(true);
		// the same fields assembled by hand are not a transaction a callback may finish
		expect(isOpenedTransaction({ ...result })).toBe(false);
		expect(isOpenedTransaction(tx)).toBe(false);
		expect(isOpenedTransaction(null)).toBe(false);
	});

	it('seals only the known fields: JWT claims and extras are not the caller\'s to set', async () => {
		const s = store();
		const tx = { ...transaction(), exp: 9_999_999_999, pur: 'session', extra: 'x' } as unknown as TransactionState;
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		const { result } = await exchange(jar, (cookies) => s.get(cookies, tx.state));
		expect(result).not.toBeNull();
		expect(result).not.toHaveProperty('extra');
		expect(result).not.toHaveProperty('exp');
		// the forged exp did not extend the lifetime
		now += 3600 * 1000;
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
	});

	it('throws a misuse TypeError when the state parameter is missing, and writes nothing', async () => {
		const s = store();
		for (const state of [undefined, '', null]) {
			const kit = kitCookies(`${APP}/auth/login`);
			const error = await s.save(kit.cookies, transaction({ state: state as unknown as string })).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(TypeError);
			expect((error as Error).message).toMatch(/missing the required state parameter/);
			expect((error as { code: string }).code).toBe('ERR_INVALID_ARGUMENT');
			expect(kit.setCookies()).toEqual([]);
		}
	});

	it('refuses a state that is not 16–128 base64url characters and accepts the boundaries', async () => {
		const s = store();
		for (const state of ['a'.repeat(15), 'a'.repeat(129), 'abc;def=ghijklmnop', 'abcdefghijklmnop/', 'abcdefghijklmnop.', 'äbcdefghijklmnopq']) {
			const kit = kitCookies(`${APP}/auth/login`);
			await expect(s.save(kit.cookies, transaction({ state })), state).rejects.toThrow(/16–128 base64url/);
			expect(kit.setCookies()).toEqual([]);
		}
		for (const state of ['a'.repeat(16), 'A-_'.repeat(42) + 'zz']) {
			const jar = new CookieJar();
			await exchange(jar, (cookies) => s.save(cookies, transaction({ state })));
			expect((await exchange(jar, (cookies) => s.get(cookies, state))).result?.state).toBe(state);
		}
	});

	it('refuses a transaction without the issuer, client and redirect_uri it is bound to', async () => {
		const s = store();
		for (const field of ['issuer', 'clientId', 'redirectUri'] as const) {
			const kit = kitCookies(`${APP}/auth/login`);
			await expect(s.save(kit.cookies, transaction({ [field]: '' }))).rejects.toThrow(new RegExp(`state\\.${field}`));
			await expect(s.save(kit.cookies, transaction({ [field]: undefined }))).rejects.toThrow(TypeError);
		}
		const kit = kitCookies(`${APP}/auth/login`);
		await expect(s.save(kit.cookies, transaction({ kind: 'saml' as 'oidc' }))).rejects.toThrow(/state\.kind/);
		expect(kit.setCookies()).toEqual([]);
	});

	it('returns null for a missing cookie', async () => {
		const { result } = await exchange(new CookieJar(), (cookies) => store().get(cookies, randomToken()));
		expect(result).toBeNull();
	});

	it('returns null for a malformed state without reading or writing a cookie', async () => {
		const s = store();
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		for (const state of ['', 'short', 'x'.repeat(10_000), '%E0%A4%A', `${tx.state};`, undefined as unknown as string]) {
			const kit = kitCookies(`${APP}/auth/callback`, jar.header());
			const spies = spyOnCookies(kit.cookies);
			expect(await s.get(kit.cookies, state)).toBeNull();
			expect(spies.get).not.toHaveBeenCalled();
			expect(spies.getAll).not.toHaveBeenCalled();
			expect(kit.setCookies()).toEqual([]);
		}
		// control: the well-formed state reads its cookie
		const kit = kitCookies(`${APP}/auth/callback`, jar.header());
		const spies = spyOnCookies(kit.cookies);
		expect(await s.get(kit.cookies, tx.state)).not.toBeNull();
		expect(spies.get).toHaveBeenCalledTimes(1);
		expect(kit.setCookies()).toEqual([]);
	});

	it('returns null for a tampered or truncated cookie', async () => {
		const s = store();
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		const name = `__txn_${tx.state}`;
		const sealed = jar.values.get(name)!;
		const parts = sealed.split('.');
		const flip = (part: string) => (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
		for (const forged of [
			[parts[0], '', parts[2], flip(parts[3]), parts[4]].join('.'),
			[parts[0], '', parts[2], parts[3], flip(parts[4])].join('.'),
			sealed.slice(0, -2),
			'not-a-jwe'
		]) {
			jar.values.set(name, forged);
			expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
		}
		jar.values.set(name, sealed);
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).not.toBeNull();
	});

	it('returns null for a cookie sealed under another secret, and opens it once that secret is listed', async () => {
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => store({ secret: OTHER_SECRET }).save(cookies, tx));
		expect((await exchange(jar, (cookies) => store().get(cookies, tx.state))).result).toBeNull();
		const rotated = store({ secret: [SECRET, OTHER_SECRET] });
		expect((await exchange(jar, (cookies) => rotated.get(cookies, tx.state))).result?.state).toBe(tx.state);
	});

	it('returns null for a value sealed with the same secret for another purpose', async () => {
		const tx = transaction();
		const name = `__txn_${tx.state}`;
		const payload = { ...tx } as unknown as Record<string, unknown>;
		const expiresAt = now + 60_000;
		const asSession = await createSealer({ secrets: [SECRET], purpose: 'session', clock }).seal(payload, expiresAt);
		const jar = new CookieJar();
		jar.values.set(name, asSession);
		expect((await exchange(jar, (cookies) => store().get(cookies, tx.state))).result).toBeNull();
		// control: the identical payload sealed for the transaction purpose opens
		jar.values.set(name, await createSealer({ secrets: [SECRET], purpose: 'transaction', clock }).seal(payload, expiresAt));
		expect((await exchange(jar, (cookies) => store().get(cookies, tx.state))).result?.state).toBe(tx.state);
	});

	it('returns null for a cookie value copied under another state\'s name', async () => {
		const s = store();
		const victim = transaction();
		const other = randomToken();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, victim));
		jar.values.set(`__txn_${other}`, jar.values.get(`__txn_${victim.state}`)!);
		expect((await exchange(jar, (cookies) => s.get(cookies, other))).result).toBeNull();
		expect((await exchange(jar, (cookies) => s.get(cookies, victim.state))).result?.state).toBe(victim.state);
	});

	it('returns null when the transaction was started with another provider', async () => {
		const s = store();
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		const get = async (expected: Parameters<TransactionStore['get']>[2]) =>
			(await exchange(jar, (cookies) => s.get(cookies, tx.state, expected))).result;
		expect(await get({ ...PROVIDER, issuer: 'https://other-idp.example.com' })).toBeNull();
		expect(await get({ ...PROVIDER, issuer: `${PROVIDER.issuer}/` })).toBeNull();
		expect(await get({ ...PROVIDER, clientId: 'other-client' })).toBeNull();
		expect(await get({ ...PROVIDER, redirectUri: 'https://app.example.com/auth/callback/other' })).toBeNull();
		expect(await get({ ...PROVIDER, kind: 'handoff' })).toBeNull();
		expect((await get(PROVIDER))?.state).toBe(tx.state);
		expect((await get({ ...PROVIDER, kind: 'oidc' }))?.state).toBe(tx.state);
	});

	it('keeps a handoff transaction out of an OIDC callback', async () => {
		const s = store();
		const tx = transaction({ kind: 'handoff' });
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state, { ...PROVIDER, kind: 'oidc' }))).result).toBeNull();
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state, { ...PROVIDER, kind: 'handoff' }))).result?.kind).toBe('handoff');
	});

	it('matchesProvider compares issuer, client, redirect_uri and kind exactly', () => {
		const tx = transaction();
		expect(matchesProvider(tx, PROVIDER)).toBe(true);
		expect(matchesProvider(tx, { ...PROVIDER, kind: 'oidc' })).toBe(true);
		expect(matchesProvider(tx, { ...PROVIDER, issuer: PROVIDER.issuer.toUpperCase() })).toBe(false);
		expect(matchesProvider(tx, { ...PROVIDER, clientId: `${PROVIDER.clientId} ` })).toBe(false);
		expect(matchesProvider(tx, { ...PROVIDER, redirectUri: PROVIDER.redirectUri.replace('https', 'http') })).toBe(false);
		expect(matchesProvider({ ...tx, issuer: undefined } as unknown as TransactionState, { ...PROVIDER, issuer: undefined } as never)).toBe(false);
	});

	it('expires at maxAge through the sealed exp, even if the browser keeps sending the cookie', async () => {
		const s = store();
		const tx = transaction();
		const jar = new CookieJar();
		const { setCookies } = await exchange(jar, (cookies) => s.save(cookies, tx));
		expect(parse(setCookies[0]).attributes.get('max-age')).toBe('3600');
		now = START + 3599 * 1000;
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).not.toBeNull();
		now = START + 3600 * 1000;
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
	});

	it('uses a custom maxAge for both the cookie Max-Age and the sealed exp', async () => {
		const s = store({ cookieOptions: { maxAge: 600 } });
		const tx = transaction();
		const jar = new CookieJar();
		const { setCookies } = await exchange(jar, (cookies) => s.save(cookies, tx));
		expect(parse(setCookies[0]).attributes.get('max-age')).toBe('600');
		now = START + 599 * 1000;
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).not.toBeNull();
		now = START + 600 * 1000;
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
	});

	it('fails fast on an oversized cookie value without attempting to decrypt it', async () => {
		const s = store();
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		const name = `__txn_${tx.state}`;
		const [header, , iv, ciphertext, tag] = jar.values.get(name)!.split('.');
		const decrypt = vi.spyOn(defaultAesGcm(), 'decrypt');
		// a well-formed JWE with our header and kid, so only the length stops it before decryption
		jar.values.set(name, [header, '', iv, ciphertext + 'A'.repeat(5000), tag].join('.'));
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
		expect(decrypt).not.toHaveBeenCalled();
		// control: the same tampering at a normal length does reach decryption (and fails there)
		jar.values.set(name, [header, '', iv, ciphertext + 'AAAA', tag].join('.'));
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result).toBeNull();
		expect(decrypt).toHaveBeenCalledTimes(1);
	});

	it('refuses to write a cookie the browser would discard (over 4096 bytes)', async () => {
		const s = store();
		const kit = kitCookies(`${APP}/auth/login`);
		await expect(s.save(kit.cookies, transaction({ scope: 'x'.repeat(4000) }))).rejects.toThrow(/browsers discard cookies over 4096/);
		expect(kit.setCookies()).toEqual([]);
		// control: a 2048-character returnTo (safeReturnTo's maximum) still fits
		const ok = kitCookies(`${APP}/auth/login`);
		await expect(s.save(ok.cookies, transaction({ returnTo: '/' + 'r'.repeat(2047) }))).resolves.toBe(true);
	});
});

describe('TransactionStore parallel transactions', () => {
	for (const order of ['second tab first', 'first tab first'] as const) {
		it(`finishes two tabs in either order (${order}), each callback consuming only its own entry`, async () => {
			const s = store({ origin: APP });
			const jar = new CookieJar();
			const tab1 = transaction({ returnTo: '/one' });
			const tab2 = transaction({ returnTo: '/two' });
			await exchange(jar, (cookies) => s.save(cookies, tab1, cookies));
			now += 1000;
			await exchange(jar, (cookies) => s.save(cookies, tab2, cookies));
			expect(transactionCookies(jar)).toHaveLength(2);

			const [first, second] = order === 'second tab first' ? [tab2, tab1] : [tab1, tab2];
			const callback = (tx: TransactionState) =>
				exchange(
					jar,
					async (cookies) => {
						const found = await s.get(cookies, tx.state, PROVIDER);
						s.delete(cookies, tx.state);
						return found;
					},
					`${APP}/auth/callback?state=${tx.state}`
				);
			const done1 = await callback(first);
			expect(done1.result?.returnTo).toBe(first.returnTo);
			expect(transactionCookies(jar)).toEqual([`__Host-txn_${second.state}`]);
			const done2 = await callback(second);
			expect(done2.result?.returnTo).toBe(second.returnTo);
			expect(transactionCookies(jar)).toEqual([]);
			// replaying the first callback finds nothing (row C9)
			expect((await callback(first)).result).toBeNull();
		});
	}

	it('keeps at most maxTransactions cookies and the Cookie header under 4 KB after 60 abandoned logins', async () => {
		const s = store({ origin: APP });
		const jar = new CookieJar();
		jar.values.set('theme', 'dark');
		const states: string[] = [];
		for (let i = 0; i < 60; i++) {
			now += 1000;
			const tx = transaction();
			states.push(tx.state);
			await exchange(jar, (cookies) => s.save(cookies, tx));
			expect(transactionCookies(jar).length).toBeLessThanOrEqual(5);
			expect(new TextEncoder().encode(jar.header()).length).toBeLessThan(4096);
		}
		expect(transactionCookies(jar).sort()).toEqual(states.slice(-5).map((state) => `__Host-txn_${state}`).sort());
		expect(jar.values.get('theme')).toBe('dark');
		// the survivors are the newest five and still open
		for (const state of states.slice(-5)) {
			expect((await exchange(jar, (cookies) => s.get(cookies, state))).result?.state).toBe(state);
		}
	});

	it('evicts the oldest by the issue time sealed inside, not by cookie order', async () => {
		const s = store({ maxTransactions: 2 });
		const jar = new CookieJar();
		const newer = transaction();
		const older = transaction();
		// the older transaction is written second, so it comes last in the Cookie header
		now = START + 10_000;
		await exchange(jar, (cookies) => s.save(cookies, newer));
		now = START;
		await exchange(jar, (cookies) => s.save(cookies, older));
		now = START + 20_000;
		const third = transaction();
		await exchange(jar, (cookies) => s.save(cookies, third));
		expect(transactionCookies(jar).sort()).toEqual([`__txn_${newer.state}`, `__txn_${third.state}`].sort());
	});

	it('evicts unreadable transaction cookies before readable ones', async () => {
		const s = store({ maxTransactions: 3 });
		const jar = new CookieJar();
		const kept = [transaction(), transaction()];
		for (const tx of kept) {
			now += 1000;
			await exchange(jar, (cookies) => s.save(cookies, tx));
		}
		const garbage = `__txn_${randomToken()}`;
		jar.values.set(garbage, 'garbage');
		now += 1000;
		const fresh = transaction();
		await exchange(jar, (cookies) => s.save(cookies, fresh));
		expect(transactionCookies(jar).sort()).toEqual([...kept, fresh].map((tx) => `__txn_${tx.state}`).sort());
		// control: without the unreadable one, the next save evicts the oldest readable transaction
		now += 1000;
		const next = transaction();
		await exchange(jar, (cookies) => s.save(cookies, next));
		expect(transactionCookies(jar).sort()).toEqual([kept[1], fresh, next].map((tx) => `__txn_${tx.state}`).sort());
	});

	it('caps the total size too: long transactions evict down to the newest', async () => {
		const s = store();
		const jar = new CookieJar();
		const long = () => transaction({ returnTo: '/' + 'r'.repeat(2000) });
		let last = long();
		for (let i = 0; i < 3; i++) {
			now += 1000;
			last = long();
			await exchange(jar, (cookies) => s.save(cookies, last));
		}
		expect(transactionCookies(jar)).toEqual([`__txn_${last.state}`]);
		expect(new TextEncoder().encode(jar.header()).length).toBeLessThan(4096);
		// control: three short transactions all stay
		const shortJar = new CookieJar();
		for (let i = 0; i < 3; i++) {
			now += 1000;
			await exchange(shortJar, (cookies) => s.save(cookies, transaction()));
		}
		expect(transactionCookies(shortJar)).toHaveLength(3);
	});

	it('decrypts nothing while under the bound', async () => {
		const s = store();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, transaction()));
		const decrypt = vi.spyOn(defaultAesGcm(), 'decrypt');
		await exchange(jar, (cookies) => s.save(cookies, transaction()));
		expect(decrypt).not.toHaveBeenCalled();
	});

	it('never evicts cookies that only share the prefix', async () => {
		const s = store({ maxTransactions: 1 });
		const jar = new CookieJar();
		jar.values.set('__txn_settings', 'keep');
		jar.values.set('session', 'keep');
		await exchange(jar, (cookies) => s.save(cookies, transaction()));
		await exchange(jar, (cookies) => s.save(cookies, transaction()));
		expect(jar.values.get('__txn_settings')).toBe('keep');
		expect(jar.values.get('session')).toBe('keep');
		expect(transactionCookies(jar)).toHaveLength(2);
	});

	it('ignores a malformed state on delete instead of throwing', async () => {
		const s = store();
		const kit = kitCookies(`${APP}/auth/callback`);
		expect(() => s.delete(kit.cookies, 'bad state;')).not.toThrow();
		expect(kit.setCookies()).toEqual([]);
	});
});

describe('TransactionStore single transaction mode', () => {
	const single = () => store({ enableParallelTransactions: false });

	it('names the cookie {prefix} and binds it to its state', async () => {
		const s = single();
		const tx = transaction();
		const jar = new CookieJar();
		const { setCookies } = await exchange(jar, (cookies) => s.save(cookies, tx));
		expect(parse(setCookies[0]).name).toBe('__txn_');
		expect((await exchange(jar, (cookies) => s.get(cookies, randomToken()))).result).toBeNull();
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result?.state).toBe(tx.state);
	});

	it('ignores a second save while a transaction exists, when given the request cookies', async () => {
		const s = single();
		const first = transaction();
		const second = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, first, cookies));
		const again = await exchange(jar, (cookies) => s.save(cookies, second, cookies));
		expect(again.result).toBe(false);
		expect(again.setCookies).toEqual([]);
		expect((await exchange(jar, (cookies) => s.get(cookies, first.state))).result?.state).toBe(first.state);
		expect((await exchange(jar, (cookies) => s.get(cookies, second.state))).result).toBeNull();
	});

	it('skips the existence check without the request cookies, as the seed specifies', async () => {
		const s = single();
		const first = transaction();
		const second = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, first));
		const again = await exchange(jar, (cookies) => s.save(cookies, second));
		expect(again.result).toBe(true);
		expect((await exchange(jar, (cookies) => s.get(cookies, second.state))).result?.state).toBe(second.state);
		expect((await exchange(jar, (cookies) => s.get(cookies, first.state))).result).toBeNull();
	});

	it('overwrites an unreadable or expired cookie, so a planted cookie cannot lock logins out', async () => {
		const s = single();
		const jar = new CookieJar();
		jar.values.set('__txn_', 'planted-by-a-sibling-subdomain');
		const tx = transaction();
		expect((await exchange(jar, (cookies) => s.save(cookies, tx, cookies))).result).toBe(true);
		expect((await exchange(jar, (cookies) => s.get(cookies, tx.state))).result?.state).toBe(tx.state);
		now += 3600 * 1000;
		const later = transaction();
		expect((await exchange(jar, (cookies) => s.save(cookies, later, cookies))).result).toBe(true);
		expect((await exchange(jar, (cookies) => s.get(cookies, later.state))).result?.state).toBe(later.state);
	});

	it('deletes the single cookie', async () => {
		const s = single();
		const tx = transaction();
		const jar = new CookieJar();
		await exchange(jar, (cookies) => s.save(cookies, tx));
		await exchange(jar, (cookies) => s.delete(cookies, tx.state));
		expect(transactionCookies(jar)).toEqual([]);
	});
});

describe('TransactionStore deleteAll', () => {
	it('deletes every cookie with the prefix and nothing else', async () => {
		const s = store({ origin: APP });
		const jar = new CookieJar();
		for (let i = 0; i < 3; i++) await exchange(jar, (cookies) => s.save(cookies, transaction()));
		jar.values.set('__Host-txn_', 'single-mode-leftover');
		jar.values.set('session', 'keep');
		jar.values.set('txn_other', 'keep');
		const { setCookies } = await exchange(jar, (cookies) => s.deleteAll(cookies, cookies));
		expect(setCookies).toHaveLength(4);
		for (const line of setCookies) {
			const cookie = parse(line);
			expect(cookie.attributes.get('max-age')).toBe('0');
			expect(cookie.attributes.get('path')).toBe('/');
			expect(cookie.attributes.has('secure')).toBe(true);
		}
		expect([...jar.values.keys()].sort()).toEqual(['session', 'txn_other']);
	});

	it('does nothing when there are no transaction cookies', async () => {
		const jar = new CookieJar();
		jar.values.set('session', 'keep');
		const { setCookies } = await exchange(jar, (cookies) => store().deleteAll(cookies, cookies));
		expect(setCookies).toEqual([]);
	});
});
