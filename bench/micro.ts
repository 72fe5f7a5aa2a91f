// Micro-benchmarks and memory figures of `npm run bench` (run by bench/run.ts as
// `node --expose-gc --import tsx bench/micro.ts`; prints one `BENCH_JSON {…}` line).
//   - session open (cold: a cookie not in the cache; cached) and seal, on each AES-GCM engine, against
//     a raw AES-256-GCM decrypt / encrypt of the same bytes, and jose's compactDecrypt;
//   - TransactionStore save / get through SvelteKit's cookies; compare-and-set of the in-memory family
//     store (the Redis and PostgreSQL backends: bench/stores.mjs);
//   - bytes per cached session and per in-memory store entry, RSS after 100,000 cached sessions and
//     100,000 handoffs, and what a session cookie carries.
import { compactDecrypt } from 'jose';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { CookieBatch } from '../src/lib/cookies/cookie-batch.js';
import { createSealer, type Sealer } from '../src/lib/cookies/seal.js';
import { createSessionCookie, type SessionRecord } from '../src/lib/cookies/session-cookie.js';
import { resolveSessionOptions } from '../src/lib/cookies/session-options.js';
import { TransactionStore } from '../src/lib/cookies/transaction-store.js';
import { nativeAesGcm, webAesGcm } from '../src/lib/crypto/aes-gcm.js';
import { base64urlToBytes } from '../src/lib/crypto/base64url.js';
import { deriveEncryptionKey, deriveRawEncryptionKey } from '../src/lib/crypto/keys.js';
import { DEFAULTS } from '../src/lib/defaults.js';
import { InMemoryHandoffStateStore } from '../src/lib/stores/memory-handoff-state-store.js';
import { InMemoryRefreshTokenFamilyStore } from '../src/lib/stores/memory-refresh-token-family-store.js';
import { kitCookies } from '../tests/support/kit-cookies.js';
import { TEST_SECRET } from '../tests/support/app-server.js';
import type { Micro, Stats } from './report.js';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 3 : 7;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const URL_ = new URL('http://127.0.0.1/');
const options = resolveSessionOptions('bench', undefined);

// What the memory figures measure stays reachable until they are taken (V8 may collect a local it sees no later use of).
const keep: unknown[] = [];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const stats = (values: number[]): Stats => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), rounds: values });

// The pairs whose ratio is a target: more rounds than the others, each run opened by a full GC, so a
// run pays for its own garbage and not for the other function's. The runs are as long in quick mode:
// after a full GC the young generation starts small again, which a short run would mostly measure.
const PAIRED_ROUNDS = QUICK ? 9 : 21;
const PAIRED_OPS = 10_000;

/**
 * ns per operation of two functions (sync or async) called with 0 … count - 1 in turn, and the ratio
 * second / first: `PAIRED_ROUNDS` rounds of `PAIRED_OPS` calls each after a warm-up, the two alternating within each round and the order flipping each round
 * (A B, B A, …), so a loaded machine's drift and any order effect hit each alike. The ratio is the
 * median of the per-round ratios: each compares two runs taken back to back.
 */
async function paired(count: number, a: (i: number) => unknown, b: (i: number) => unknown): Promise<{ a: Stats; b: Stats; ratio: Stats }> {
	const block = async (fn: (i: number) => unknown) => {
		gc();
		const start = process.hrtime.bigint();
		for (let i = 0; i < PAIRED_OPS; i++) {
			const out = fn(i % count);
			if (out instanceof Promise) await out;
		}
		return Number(process.hrtime.bigint() - start) / PAIRED_OPS;
	};
	// Warm-up: enough calls for the optimizing compiler to settle on both, then two untimed rounds.
	for (const fn of [a, b]) for (let i = 0; i < 20_000; i++) await fn(i % count);
	for (let r = 0; r < 2; r++) await block(a), await block(b);
	const as: number[] = [];
	const bs: number[] = [];
	const ratios: number[] = [];
	for (let r = 0; r < PAIRED_ROUNDS; r++) {
		let x: number;
		let y: number;
		if (r % 2 === 0) {
			x = await block(a);
			y = await block(b);
		} else {
			y = await block(b);
			x = await block(a);
		}
		as.push(x);
		bs.push(y);
		ratios.push(y / x);
	}
	return { a: stats(as), b: stats(bs), ratio: stats(ratios) };
}

/** ns per operation of `fn` (sync or async), `RUNS` runs of `count` operations after a warm-up. */
async function time(count: number, fn: (i: number) => unknown): Promise<Stats> {
	for (let i = 0; i < Math.max(count, 5000); i++) await fn(i % count);
	const runs: number[] = [];
	for (let r = 0; r < RUNS; r++) {
		const start = process.hrtime.bigint();
		for (let i = 0; i < count; i++) {
			const out = fn(i);
			if (out instanceof Promise) await out;
		}
		runs.push(Number(process.hrtime.bigint() - start) / count);
	}
	return stats(runs);
}

function benchRecord(i: number, now: number): SessionRecord {
	return { id: `sid-${i}-${Math.random().toString(36).slice(2)}`, source: 'testing', user: { id: `user-${i}`, name: `Bench User ${i}`, email: `user-${i}@example.com` }, createdAt: now, touchedAt: now };
}

/** An OIDC session as the SDK writes it after a sign-in at a typical provider (JWT access and ID tokens). */
function oidcRecord(now: number): SessionRecord {
	const jwt = (bytes: number) => `eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIn0.${'x'.repeat(bytes)}.${'s'.repeat(342)}`;
	return {
		id: 'Qx2lYp3v0sX0Gk9xq1Ww0A',
		source: 'oidc',
		user: { id: 'c0a8012e-7c1b-4b3a-9e1e-2f6c9d1e4a55', name: 'Ada Lovelace', email: 'ada@example.com' },
		createdAt: now,
		touchedAt: now,
		tokens: { accessToken: jwt(420), tokenType: 'Bearer', expiresAt: now + 300_000, refreshToken: randomBytes(32).toString('base64url'), idToken: jwt(520), scope: 'openid profile email offline_access' },
		family: { id: crypto.randomUUID(), generation: 0 },
		idp: { iss: 'https://idp.example.com/realms/main', sub: 'c0a8012e-7c1b-4b3a-9e1e-2f6c9d1e4a55', sid: 'a3f1c2d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d' }
	};
}

/** Fills a read's memo slot as resolve-session.ts does (the shape of its Memo and auth value). */
function withMemo(read: unknown) {
	const r = read as { kind: string; record: SessionRecord; expiresAt: number; memo: { value?: unknown } };
	if (r.kind !== 'valid') throw new Error('bench/micro.ts: a minted session did not open');
	const record = r.record;
	const auth = Object.freeze({
		isAuthenticated: true,
		user: record.user,
		session: Object.freeze({ id: record.id, source: record.source, expiresAt: r.expiresAt, createdAt: record.createdAt }),
		carryOverState: null,
		getAccessToken: async () => record.tokens?.accessToken ?? null
	});
	r.memo.value = { auth, checkable: record.family !== undefined, refreshAt: Infinity, retryAt: -Infinity, checkedAt: -Infinity, epoch: 0, hotUntil: Infinity, revoked: false };
}

async function sealAll(sealer: Sealer, count: number, now: number): Promise<string[]> {
	const session = createSessionCookie({ options, sealer, clock: () => now, cacheSize: 1 });
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		const batch = new CookieBatch();
		await session.write(batch, URL_, benchRecord(i, now), []);
		out.push(batch.writes[0].value);
	}
	return out;
}

async function main() {
	const now = Date.now();
	const clock = () => now;
	const native = nativeAesGcm();
	if (!native) throw new Error('bench/micro.ts: this runtime has no native AES-GCM');
	const nativeSealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock, engine: native });
	const webSealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock, engine: webAesGcm });
	const N = QUICK ? 2_000 : 10_000;
	const cookies = await sealAll(nativeSealer, N, now);
	const sample = cookies[0];
	const [, , ivPart, ctPart, tagPart] = sample.split('.');
	const iv = base64urlToBytes(ivPart)!;
	const ciphertext = base64urlToBytes(ctPart)!;
	const tag = base64urlToBytes(tagPart)!;
	const aad = new TextEncoder().encode(sample.split('.')[0]);
	const raw = await deriveRawEncryptionKey(TEST_SECRET, 'session');
	const rawKey = createSecretKey(raw);
	const plaintext = (() => {
		const d = createDecipheriv('aes-256-gcm', rawKey, iv, { authTagLength: 16 });
		d.setAAD(aad);
		d.setAuthTag(tag);
		return Buffer.concat([d.update(ciphertext), d.final()]);
	})();
	const webKey = await deriveEncryptionKey(TEST_SECRET, 'session');
	const joined = new Uint8Array([...ciphertext, ...tag]);

	const ops: Micro['ops'] = {};
	const ratios: NonNullable<Micro['ratios']> = {};
	const ratioNote = (r: Stats) => `${r.median.toFixed(2)}× the raw operation, median of ${r.rounds.length} paired rounds (${r.min.toFixed(2)}–${r.max.toFixed(2)}×)`;
	const note = `${sample.length}-character cookie, ${plaintext.length}-byte plaintext`;
	const rawDecrypt = () => {
		const d = createDecipheriv('aes-256-gcm', rawKey, iv, { authTagLength: 16 });
		d.setAAD(aad);
		d.setAuthTag(tag);
		d.update(ciphertext);
		d.final();
	};
	const openPair = await paired(N, rawDecrypt, (i) => nativeSealer.open(cookies[i]));
	ops['raw AES-256-GCM decrypt (node:crypto)'] = { ns: openPair.a, note: `the same bytes as the open below (${note}), already decoded; interleaved with it` };
	ops['open cold, native'] = { ns: openPair.b, note: `base64url decode, decrypt, JSON.parse, claim checks; a different cookie each time; ${ratioNote(openPair.ratio)}` };
	ratios['open cold, native / raw AES-256-GCM decrypt (node:crypto)'] = openPair.ratio;
	ops['raw AES-256-GCM decrypt (Web Crypto)'] = { ns: await time(N, () => crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aad }, webKey, joined)) };
	ops['open cold, Web Crypto'] = { ns: await time(N, (i) => webSealer.open(cookies[i])) };
	ops['jose compactDecrypt (Web Crypto), reference'] = { ns: await time(N, (i) => compactDecrypt(cookies[i], webKey)) };

	const coldSession = createSessionCookie({ options, sealer: nativeSealer, clock, cacheSize: 1 });
	ops['session read, cold (native): cookie parse + open + record checks + cache insert'] = { ns: await time(N, (i) => coldSession.read(`sso=${cookies[i]}`, URL_)) };
	const hotSession = createSessionCookie({ options, sealer: nativeSealer, clock });
	for (const c of cookies) await hotSession.read(`sso=${c}`, URL_);
	ops['session read, cached (hit)'] = { ns: await time(N, (i) => hotSession.read(`sso=${cookies[i]}`, URL_)), note: `${N} distinct cookies, all cached` };

	const record = benchRecord(1, now);
	const rawEncrypt = () => {
		const c = createCipheriv('aes-256-gcm', rawKey, iv, { authTagLength: 16 });
		c.setAAD(aad);
		c.update(plaintext);
		c.final();
		c.getAuthTag();
	};
	const sealPair = await paired(N, rawEncrypt, () => nativeSealer.seal({ s: record }, now + 3_600_000));
	ops['raw AES-256-GCM encrypt (node:crypto)'] = { ns: sealPair.a, note: `the same ${plaintext.length} bytes the seal below encrypts; interleaved with it` };
	ops['seal, native'] = { ns: sealPair.b, note: `JSON.stringify, random IV, encrypt, base64url; ${ratioNote(sealPair.ratio)}` };
	ratios['seal, native / raw AES-256-GCM encrypt (node:crypto)'] = sealPair.ratio;
	ops['seal, Web Crypto'] = { ns: await time(N, () => webSealer.seal({ s: record }, now + 3_600_000)) };
	const writer = createSessionCookie({ options, sealer: nativeSealer, clock });
	ops['session write (re-seal): seal + Set-Cookie + cache insert'] = { ns: await time(N, () => writer.write(new CookieBatch(), URL_, record, [])) };

	// TransactionStore save / get through SvelteKit's own cookies implementation.
	const txStore = new TransactionStore({ secret: TEST_SECRET, origin: 'https://app.example', clock });
	const transaction = () => ({
		state: randomBytes(32).toString('base64url'),
		codeVerifier: randomBytes(32).toString('base64url'),
		nonce: randomBytes(32).toString('base64url'),
		responseType: 'code',
		returnTo: '/dashboard?tab=1',
		scope: 'openid profile email',
		issuer: 'https://id.example.com',
		clientId: 'app-client',
		redirectUri: 'https://app.example/auth/callback'
	});
	ops['TransactionStore.save'] = { ns: await time(QUICK ? 500 : 2000, () => txStore.save(kitCookies('https://app.example/auth/login').cookies, transaction() as never)) };
	const saved = kitCookies('https://app.example/auth/login');
	const tx = transaction();
	await txStore.save(saved.cookies, tx as never);
	const header = saved.setCookies().map((line) => line.split(';')[0]).join('; ');
	ops['TransactionStore.get'] = { ns: await time(QUICK ? 500 : 2000, () => txStore.get(kitCookies('https://app.example/auth/callback', header).cookies, tx.state)) };

	const families = new InMemoryRefreshTokenFamilyStore({ clock });
	const familyId = crypto.randomUUID();
	await families.registerFamily({ familyId, subject: 'bench', generation: 0, payload: 'x'.repeat(1200), previousPayload: null, rotatedAtMs: now, lease: null, revokedAtMs: null, createdAtMs: now, expiresAtMs: now + 3_600_000 });
	ops['compare-and-set (updateFamily), in-memory store'] = { ns: await time(N, () => families.updateFamily(familyId, (c) => ({ ...c, generation: c.generation + 1 }))), note: 'Redis and PostgreSQL: the stores table below' };

	// Memory. Heap figures are heapUsed deltas after a full GC, divided by the entry count.
	const memory: Micro['memory'] = {};
	const heap = () => {
		gc();
		gc();
		return process.memoryUsage().heapUsed;
	};
	// First the per-entry figures of other session shapes, dropped again before the population whose
	// RSS is the documented bound.
	// In functions of their own: nothing of theirs stays reachable from this scope afterwards.
	await (async () => {
	// OIDC sessions (JWT access and ID tokens): what most apps cache.
	const O = QUICK ? 2_000 : 10_000;
	const oidcCookies: string[] = [];
	{
		const writer = createSessionCookie({ options, sealer: nativeSealer, clock, cacheSize: 1 });
		for (let i = 0; i < O; i++) {
			const batch = new CookieBatch();
			await writer.write(batch, URL_, { ...oidcRecord(now), id: `oidc-${i}-${Math.random()}` }, []);
			oidcCookies.push(batch.writes.map((w) => `${w.name}=${w.value}`).join('; '));
		}
	}
	const beforeOidc = heap();
	const oidcCache = createSessionCookie({ options, sealer: nativeSealer, clock });
	keep.push(oidcCache);
	for (const c of oidcCookies) withMemo(oidcCache.read(`theme=dark; ${c}; lang=en`, URL_));
	memory['heap per cached OIDC session (bytes)'] = Math.round((heap() - beforeOidc) / O);
	memory['the cache\'s own estimate per OIDC session (bytes)'] = 2 * oidcCookies[0].replace(/^sso=/, '').length + 1024;
	// The same sessions behind a 4 KB Cookie header of other cookies: the cache keeps its key, not the header.
	{
		const H = 5_000;
		const other = `analytics=${'x'.repeat(4000)}`;
		const beforeHeader = heap();
		const headerCache = createSessionCookie({ options, sealer: nativeSealer, clock });
		keep.push(headerCache);
		for (let i = 0; i < H; i++) withMemo(headerCache.read(`${other}${i}; sso=${cookies[i % cookies.length]}`, URL_));
		memory['heap per cached session behind a 4 KB Cookie header (bytes)'] = Math.round((heap() - beforeHeader) / Math.min(H, cookies.length));
	}

	})();
	keep.length = 0;

	const M = QUICK ? 20_000 : 100_000;
	const population = await sealAll(nativeSealer, M, now);
	const before = heap();
	const cache = createSessionCookie({ options, sealer: nativeSealer, clock });
	keep.push(cache);
	// Through the same parse as a request: the key is the value sliced out of a Cookie header. The memo
	// gets what resolve-session.ts puts there: the frozen auth value with its getAccessToken closure,
	// and the check state.
	for (const c of population) withMemo(cache.read(`theme=dark; sso=${c}; lang=en`, URL_));
	const afterSessions = heap();
	memory['sessions cached'] = M;
	memory['heap per cached session (bytes)'] = Math.round((afterSessions - before) / M);
	memory['the cache\'s own estimate per session (bytes)'] = 2 * population[0].length + 1024;
	memory['session cookie length (characters)'] = population[0].length;


	const handoffs = new InMemoryHandoffStateStore({ maxEntries: M, clock });
	keep.push(handoffs);
	for (let i = 0; i < M; i++) await handoffs.set(randomBytes(16).toString('base64url'), { kind: 'handoff' }, 120);
	const afterHandoffs = heap();
	memory['heap per in-memory handoff entry (bytes)'] = Math.round((afterHandoffs - afterSessions) / M);
	const rss = process.memoryUsage().rss;
	memory[`RSS after ${M.toLocaleString('en-US')} sessions and ${M.toLocaleString('en-US')} handoffs (bytes)`] = rss;
	// The documented bound (README, docs/ARCHITECTURE.md): 100,000 sessions and 100,000 handoffs stay
	// under 512 MiB of process RSS, the cookies the benchmark itself holds included.
	memory['rss bound (bytes)'] = 512 * 2 ** 20;
	if (M !== 100_000) memory['RSS after 100,000 sessions and 100,000 handoffs (bytes)'] = 'not measured in quick mode';
	const afterRss = heap();
	const familyStore = new InMemoryRefreshTokenFamilyStore({ clock });
	keep.push(familyStore);
	const F = QUICK ? 5_000 : 20_000;
	for (let i = 0; i < F; i++) {
		await familyStore.registerFamily({ familyId: crypto.randomUUID(), subject: `user-${i}`, generation: 0, payload: 'x'.repeat(1200), previousPayload: null, rotatedAtMs: now, lease: null, revokedAtMs: null, createdAtMs: now, expiresAtMs: now + 3_600_000 });
	}
	const afterFamilies = heap();
	memory['heap per in-memory family entry, 1,200-byte sealed payload (bytes)'] = Math.round((afterFamilies - afterRss) / F);
	keep.length = 0;

	// What a session cookie carries.
	const cookie: Micro['cookie'] = {};
	const oidc = oidcRecord(now);
	const oidcBatch = new CookieBatch();
	await createSessionCookie({ options, sealer: nativeSealer, clock }).write(oidcBatch, URL_, oidc, []);
	const oidcSealed = oidcBatch.writes.map((w) => w.value).join('');
	const json = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
	cookie['bench session (testing, user id/name/email): sealed characters'] = sample.length;
	cookie['bench session: JSON plaintext bytes'] = plaintext.length;
	cookie['OIDC session (typical JWT access and ID tokens): sealed characters'] = oidcSealed.length;
	cookie['OIDC session: JSON plaintext bytes'] = json({ s: oidc, pur: 'session', iat: 0, exp: 0 });
	cookie['— of which tokens.accessToken'] = json(oidc.tokens!.accessToken);
	cookie['— of which tokens.idToken'] = json(oidc.tokens!.idToken);
	cookie['— of which tokens.refreshToken'] = json(oidc.tokens!.refreshToken);
	cookie['— of which user'] = json(oidc.user);
	cookie['— of which idp (iss, sub, sid)'] = json(oidc.idp);
	cookie['— of which family, ids, times, scope, field names'] = json({ s: oidc }) - json(oidc.tokens!.accessToken) - json(oidc.tokens!.idToken) - json(oidc.tokens!.refreshToken) - json(oidc.user) - json(oidc.idp);
	cookie['JWE frame: protected header (base64url)'] = sample.split('.')[0].length;
	cookie['JWE frame: IV + tag + separators (characters)'] = ivPart.length + tagPart.length + 4;
	cookie['session cache size (entries / estimated bytes)'] = `${DEFAULTS.auth.sessionCacheSize.toLocaleString('en-US')} / ${DEFAULTS.auth.sessionCacheBytes / 2 ** 20} MiB`;

	process.stdout.write(`BENCH_JSON ${JSON.stringify({ ops, ratios, memory, cookie } satisfies Micro)}\n`);
}

await main();
