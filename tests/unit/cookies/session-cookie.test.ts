import { describe, expect, it } from 'vitest';
import { CookieBatch } from '../../../src/lib/cookies/cookie-batch.js';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { createSessionCookie, type SessionRecord } from '../../../src/lib/cookies/session-cookie.js';
import { resolveSessionOptions, type SessionOptions } from '../../../src/lib/cookies/session-options.js';
import { CookieJar, kitCookies } from '../../support/kit-cookies.js';
import { TEST_SECRET } from '../../support/fake-event.js';

const SECRET = TEST_SECRET;
const HTTPS = new URL('https://app.example/dashboard');
const HTTP_LOOPBACK = new URL('http://127.0.0.1:5173/dashboard');

function setup(sessionOptions?: SessionOptions, secrets = [SECRET]) {
	const clock = { now: 1_800_000_000_000 };
	const now = () => clock.now;
	const session = createSessionCookie({
		options: resolveSessionOptions('test', sessionOptions),
		sealer: createSealer({ secrets, purpose: 'session', clock: now }),
		clock: now
	});
	return { clock, session };
}

function record(now: number, extra: Partial<SessionRecord> = {}): SessionRecord {
	return { id: 'sid-1', source: 'testing', user: { id: 'u1', name: 'Ada' }, createdAt: now, touchedAt: now, ...extra };
}

/** Writes through SvelteKit's real cookies, returns the Set-Cookie lines and a jar holding them. */
async function write(session: ReturnType<typeof setup>['session'], url: URL, rec: SessionRecord, jar = new CookieJar()) {
	const kit = kitCookies(url.href, jar.header());
	const batch = new CookieBatch();
	const present = [...jar.values.keys()].filter((n) => n.includes('sso'));
	await session.write(batch, url, rec, present);
	batch.applyTo(kit.cookies);
	const lines = kit.setCookies();
	jar.apply(lines);
	return { lines, jar };
}

const read = (session: ReturnType<typeof setup>['session'], url: URL, cookie: string) =>
	session.read(cookie, url);

const bigUser = (bytes: number) => ({ id: 'u1', blob: 'x'.repeat(bytes) });
// A user whose sealed session is just under `kb` kilobytes (base64url grows JSON by 4/3, plus the JWE frame).
const userSealedAt = (kb: number) => bigUser(Math.floor(((kb * 1024 - 400) * 3) / 4));

describe('session cookie', () => {
	it('round-trips a session with the secure attributes on https under a __Host- name', async () => {
		const { session, clock } = setup();
		const { lines, jar } = await write(session, HTTPS, record(clock.now));
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(/^__Host-sso=/);
		expect(lines[0]).toMatch(/; HttpOnly/);
		expect(lines[0]).toMatch(/; Secure/);
		expect(lines[0]).toMatch(/; SameSite=Lax/);
		expect(lines[0]).toMatch(/; Path=\//);
		expect(lines[0]).not.toMatch(/Domain=/i);
		const result = await read(session, HTTPS, jar.header());
		expect(result.kind).toBe('valid');
		if (result.kind === 'valid') expect(result.record.user.name).toBe('Ada');
	});

	it('drops Secure and the __Host- prefix only for plain http on a loopback host', async () => {
		const { session, clock } = setup();
		const { lines } = await write(session, HTTP_LOOPBACK, record(clock.now));
		expect(lines[0]).toMatch(/^sso=/);
		expect(lines[0]).not.toMatch(/Secure/);
		const elsewhere = await write(session, new URL('http://app.example/'), record(clock.now));
		expect(elsewhere.lines[0]).toMatch(/^__Host-sso=.*; Secure/);
	});

	it.each([3, 6, 12])('stores a %i KB session in Set-Cookies of at most 4096 bytes, chunked when needed, that read back whole', async (kb) => {
		const { session, clock } = setup();
		const user = userSealedAt(kb);
		const { lines, jar } = await write(session, HTTPS, record(clock.now, { user }));
		const sealedBytes = [...jar.values.values()].join('').length;
		expect(sealedBytes).toBeGreaterThan((kb - 1) * 1024);
		expect(sealedBytes).toBeLessThanOrEqual(kb * 1024);
		expect(lines.length).toBe(Math.ceil(sealedBytes / 3800));
		for (const line of lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(4096);
		const names = lines.length === 1 ? ['__Host-sso'] : lines.map((_, i) => `__Host-sso.${i}`);
		expect(lines.map((l) => l.split('=')[0])).toEqual(names);
		const result = await read(session, HTTPS, jar.header());
		expect(result.kind).toBe('valid');
		if (result.kind === 'valid') expect(result.record.user.blob).toBe(user.blob);
	});

	it('reads a chunked session with a missing, extra, reordered or foreign chunk as invalid', async () => {
		const { session, clock } = setup();
		const { jar } = await write(session, HTTPS, record(clock.now, { user: userSealedAt(11) }));
		const other = await write(session, HTTPS, record(clock.now, { id: 'sid-2', user: userSealedAt(11) }));
		const chunks = [...jar.values];
		expect(chunks.length).toBeGreaterThanOrEqual(3);
		const header = (pairs: [string, string][]) => pairs.map(([n, v]) => `${n}=${v}`).join('; ');
		expect((await read(session, HTTPS, header(chunks))).kind).toBe('valid');
		expect((await read(session, HTTPS, header(chunks.slice(0, 2)))).kind).toBe('invalid');
		const n = chunks.length;
		expect((await read(session, HTTPS, header([...chunks, [`__Host-sso.${n}`, 'AAAA']]))).kind).toBe('invalid');
		expect((await read(session, HTTPS, header([...chunks, [`__Host-sso.${n + 2}`, 'AAAA']]))).kind).toBe('invalid');
		const swapped: [string, string][] = [chunks[0], [chunks[1][0], chunks[2][1]], [chunks[2][0], chunks[1][1]], ...chunks.slice(3)];
		expect((await read(session, HTTPS, header(swapped)))).toMatchObject({ kind: 'invalid' });
		const foreign: [string, string][] = chunks.map(([n, v], i) => [n, i === 1 ? other.jar.values.get('__Host-sso.1')! : v]);
		expect((await read(session, HTTPS, header(foreign))).kind).toBe('invalid');
		const beside: [string, string][] = [...chunks, ['__Host-sso', chunks[0][1]]];
		const result = await read(session, HTTPS, header(beside));
		expect(result.kind).toBe('invalid');
		if (result.kind === 'invalid') expect(result.present).toHaveLength(n + 1);
	});

	it('deletes stale chunks in the same response when the session shrinks, and the whole cookie when it grows', async () => {
		const { session, clock } = setup();
		const { jar } = await write(session, HTTPS, record(clock.now, { user: userSealedAt(12) }));
		const chunkNames = [...jar.values.keys()];
		expect(chunkNames.length).toBeGreaterThanOrEqual(4);
		const shrunk = await write(session, HTTPS, record(clock.now), jar);
		const deleted = shrunk.lines.filter((l) => /Max-Age=0/.test(l)).map((l) => l.split('=')[0]);
		expect(deleted.sort()).toEqual(chunkNames.sort());
		for (const line of shrunk.lines.filter((l) => /Max-Age=0/.test(l))) {
			expect(line).toMatch(/Path=\/; .*HttpOnly; Secure; SameSite=Lax/);
		}
		expect([...shrunk.jar.values.keys()]).toEqual(['__Host-sso']);
		expect((await read(session, HTTPS, shrunk.jar.header())).kind).toBe('valid');
		const grown = await write(session, HTTPS, record(clock.now, { user: bigUser(5000) }), shrunk.jar);
		expect(grown.lines.some((l) => /^__Host-sso=;.*Max-Age=0/.test(l))).toBe(true);
		expect((await read(session, HTTPS, grown.jar.header())).kind).toBe('valid');
	});

	it('refuses a session over the 12 KB cookie budget, and accepts one just under it', async () => {
		const { session, clock } = setup();
		await expect(write(session, HTTPS, record(clock.now, { user: userSealedAt(13) }))).rejects.toThrow(/does not fit/);
		await expect(write(session, HTTPS, record(clock.now, { user: userSealedAt(12) }))).resolves.toBeDefined();
	});

	it('ends a session after the inactivity limit even though the cookie is intact', async () => {
		const { session, clock } = setup({ idleTimeout: 3600, maxAge: 86_400 });
		const { jar } = await write(session, HTTPS, record(clock.now));
		clock.now += 3599_000;
		expect((await read(session, HTTPS, jar.header())).kind).toBe('valid');
		clock.now += 2_000;
		expect((await read(session, HTTPS, jar.header())).kind).toBe('invalid');
	});

	it('ends a session at the absolute lifetime however recently it was used', async () => {
		const { session, clock } = setup({ idleTimeout: 5000, maxAge: 7200 });
		const start = clock.now;
		clock.now += 3000_000;
		const { jar } = await write(session, HTTPS, record(start, { touchedAt: clock.now }));
		clock.now = start + 7199_000;
		expect((await read(session, HTTPS, jar.header())).kind).toBe('valid');
		clock.now = start + 7201_000;
		expect((await read(session, HTTPS, jar.header())).kind).toBe('invalid');
	});

	it('asks for a re-seal only once the rolling interval has passed', async () => {
		const { session, clock } = setup({ rollingInterval: 300 });
		const { jar } = await write(session, HTTPS, record(clock.now));
		clock.now += 299_000;
		expect(await read(session, HTTPS, jar.header())).toMatchObject({ kind: 'valid', reseal: false });
		clock.now += 2_000;
		expect(await read(session, HTTPS, jar.header())).toMatchObject({ kind: 'valid', reseal: true });
	});

	it('opens a cookie sealed under the previous secret and asks for a re-seal; a removed secret signs out', async () => {
		const OLD = 'old-secret-old-secret-old-secret-01';
		const before = setup(undefined, [OLD]);
		const { jar } = await write(before.session, HTTPS, record(before.clock.now));
		const rotated = setup(undefined, [SECRET, OLD]);
		expect(await read(rotated.session, HTTPS, jar.header())).toMatchObject({ kind: 'valid', reseal: true });
		const removed = setup(undefined, [SECRET]);
		expect((await read(removed.session, HTTPS, jar.header())).kind).toBe('invalid');
	});

	it('treats a transaction cookie pasted into the session slot as invalid', async () => {
		const { session, clock } = setup();
		const transaction = createSealer({ secrets: [SECRET], purpose: 'transaction', clock: () => clock.now });
		const pasted = await transaction.seal({ s: record(clock.now) }, clock.now + 60_000);
		expect((await read(session, HTTPS, `__Host-sso=${pasted}`)).kind).toBe('invalid');
		const sealed = await createSealer({ secrets: [SECRET], purpose: 'session', clock: () => clock.now }).seal({ s: record(clock.now) }, clock.now + 60_000);
		expect((await read(session, HTTPS, `__Host-sso=${sealed}`)).kind).toBe('valid');
	});

	it('trusts neither of two cookies with the session name (cookie tossing)', async () => {
		const { session, clock } = setup();
		const { jar } = await write(session, HTTPS, record(clock.now));
		const value = jar.values.get('__Host-sso')!;
		expect((await read(session, HTTPS, `__Host-sso=${value}; __Host-sso=${value}`)).kind).toBe('invalid');
		expect((await read(session, HTTPS, `other=1; __Host-sso=${value}`)).kind).toBe('valid');
	});

	it('keeps the sessions in use cached while a larger population passes through (LRU), with expiry still checked', async () => {
		const clock = { now: 1_800_000_000_000 };
		const now = () => clock.now;
		const inner = createSealer({ secrets: [SECRET], purpose: 'session', clock: now });
		let opens = 0;
		const sealer = { seal: inner.seal, open: (value: string) => (opens++, inner.open(value)) } as typeof inner;
		const session = createSessionCookie({ options: resolveSessionOptions('test', { idleTimeout: 3600 }), sealer, clock: now, cacheSize: 50 });
		const cookie = async (id: string) => `__Host-sso=${await inner.seal({ s: record(clock.now, { id }) }, clock.now + 3_600_000)}`;
		const hot = await cookie('hot');
		expect((await read(session, HTTPS, hot)).kind).toBe('valid');
		for (let i = 0; i < 500; i++) {
			expect((await read(session, HTTPS, await cookie(`cold-${i}`))).kind).toBe('valid');
			if (i % 20 === 0) expect((await read(session, HTTPS, hot)).kind).toBe('valid');
		}
		const before = opens;
		expect((await read(session, HTTPS, hot)).kind).toBe('valid');
		expect(opens).toBe(before);
		// Cached, and still expired by the clock.
		clock.now += 3601_000;
		expect((await read(session, HTTPS, hot)).kind).toBe('invalid');
	});

	it('remembers the cookie it just sealed: the next request with it is a hit, answered without a promise', async () => {
		const { session, clock } = setup({ rollingInterval: 300 });
		const first = await write(session, HTTPS, record(clock.now));
		clock.now += 301_000;
		const stale = read(session, HTTPS, first.jar.header());
		expect(stale).not.toBeInstanceOf(Promise);
		expect(stale).toMatchObject({ kind: 'valid', reseal: true });
		const kit = kitCookies(HTTPS.href, first.jar.header());
		const batch = new CookieBatch();
		const sealed = await session.seal(record(clock.now - 301_000, { touchedAt: clock.now }));
		sealed.memo.value = 'carried';
		session.put(batch, HTTPS, sealed, ['__Host-sso']);
		batch.applyTo(kit.cookies);
		first.jar.apply(kit.setCookies());
		const next = read(session, HTTPS, first.jar.header());
		expect(next).not.toBeInstanceOf(Promise);
		expect(next).toMatchObject({ kind: 'valid', reseal: false });
		expect((next as { memo: { value?: unknown } }).memo.value).toBe('carried');
	});

	it('reads no session, without work, when the request has no session cookie', async () => {
		const { session } = setup();
		expect((await read(session, HTTPS, 'theme=dark')).kind).toBe('none');
		expect((await read(session, HTTPS, 'sso-flash=1')).kind).toBe('none');
	});
});

describe('resolveSessionOptions', () => {
	it('names the option it refuses', () => {
		expect(() => resolveSessionOptions('createAuthHandle', { maxAge: -1 })).toThrow(/createAuthHandle: options\.sessionOptions\.maxAge/);
		expect(() => resolveSessionOptions('createAuthHandle', { sameSite: 'none', secure: false })).toThrow(/sameSite 'none' requires secure/);
		expect(() => resolveSessionOptions('createAuthHandle', { cookieName: 'a b' })).toThrow(/cookieName/);
		expect(() => resolveSessionOptions('createAuthHandle', { cookieName: '__Host-x', domain: 'example.com' })).toThrow(/__Host-/);
		expect(resolveSessionOptions('createAuthHandle', { maxAge: 60 }).maxAgeMs).toBe(60_000);
	});
});
