// Runs one fuzz case against the real hooks, in process: createAuthHandle and createHandoffHandler
// composed as `sequence` composes them, events with SvelteKit's own cookie implementation, and the
// servers the SDK calls as the hostile fetch of hostile-as.ts. Every response is checked against the
// properties below; a broken one throws a `Violation` that fast-check then shrinks.
//
// Properties, for every request of every case:
//   P1 the handle resolves: no error escapes it (nor getAccessToken() in the page);
//   P2 status < 500, except 503 from the back-channel logout when discovery or the JWKS failed, and
//      the 503 a prefetch of a handoff URL gets (docs/SECURITY.md H5) — both documented;
//   P3 it finishes in time: at most timeoutMs per call to a server (plus the refresh wait and slack),
//      each request within a hard deadline, and the whole case within one;
//   P4 no token (marker) in a Location, any other header, a body, a console line or an onError
//      payload; the ID token only as the id_token_hint of an RP-initiated logout;
//   P5 every Location is a same-origin path (one leading `/`) or an endpoint the discovery named;
//   P6 a response that writes the session cookie leaves the browser a complete one that opens (or
//      none at all), never a part of one; and a response that sets or clears it is not storable;
//   P7 the page (resolve) always sees locals.auth set;
//   P8 (per case) no unhandled rejection.
import { createAuthHandle } from '../../../src/lib/server/auth-handle.js';
import { createHandoffHandler } from '../../../src/lib/server/handoff-handler.js';
import type { Handle } from '../../../src/lib/server/handle-type.js';
import type { AuthErrorInfo } from '../../../src/lib/server/http/error-reporter.js';
import { CookieBatch } from '../../../src/lib/cookies/cookie-batch.js';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { createSessionCookie, type SessionCookie, type SessionRecord } from '../../../src/lib/cookies/session-cookie.js';
import { resolveSessionOptions } from '../../../src/lib/cookies/session-options.js';
import type { ServerAuthContext } from '../../../src/lib/types.js';
import { fakeEvent, TEST_SECRET } from '../../support/fake-event.js';
import type { CaseConfig, CookieOp, CookieTarget, FuzzCase, InitialSession, LogoutToken, Mangle, Param, Step, Value } from './arbitraries.js';
import { createHostileAs, type HostileAs, type Keys } from './hostile-as.js';

export const TIMEOUT_MS = 200;
const REFRESH_WAIT_MS = 200;
/** What a loaded 2-core machine may add to a request besides waiting for servers. */
const SLACK_MS = 1_500;
/** Past this a request counts as hung whatever it waits for. */
const HARD_DEADLINE_MS = 10 * TIMEOUT_MS + REFRESH_WAIT_MS + SLACK_MS;
const CLIENT_ID = 'app';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const SESSION_NAME = /^(__Host-|__Secure-)?sso(\.\d+)?$/;

/** A broken property: the message says which and shows the request. */
export class Violation extends Error {
	override name = 'Violation';
}

/** What the run records outside any one case: console lines, unhandled rejections, and what the cases reached. */
export interface Recorders {
	readonly console: string[];
	readonly rejections: unknown[];
	/** Outcome counts (`callback 303 session`, `backchannel 200`, …): shows which paths the run reached. */
	readonly stats?: Map<string, number>;
}

/** Production or development, as the package reads it (the test file mocks environment.js with it). */
export interface Mode {
	development: boolean;
}

type Pair = [string, string];

interface World {
	readonly caseId: number;
	readonly config: CaseConfig;
	readonly origin: string;
	readonly issuer: string;
	readonly as: HostileAs;
	readonly handle: Handle;
	readonly oracle: SessionCookie;
	readonly errors: AuthErrorInfo[];
	jar: Pair[];
	loginState?: string;
	hoaState?: string;
	authorizationUrl?: URL;
	/** A sealed session value (for cookie ops that need a real kid). */
	sealedSample?: string;
}

/** sequence(), without Kit's request store: each handle's resolve is the next handle. */
export function chain(handles: Handle[]): Handle {
	return ({ event, resolve }) => {
		const step = (i: number, e: Parameters<Handle>[0]['event']): ReturnType<Handle> =>
			i === handles.length ? resolve(e) : handles[i]({ event: e, resolve: (next) => step(i + 1, next) as Promise<Response> });
		return step(0, event);
	};
}

// ---- the world of one case ------------------------------------------------------------------------

async function buildWorld(caseId: number, fuzz: FuzzCase, keys: Keys, mode: Mode): Promise<World> {
	const config = fuzz.config;
	mode.development = !config.production;
	const origin = config.origin;
	// One issuer per way of mounting: a case's new fetch then always starts a runtime of its own, and
	// the registry keeps four entries, not one per case.
	const issuer = `https://as.example/${config.mount}`;
	const clock = () => Date.now();
	const as = createHostileAs({ issuer, clientId: CLIENT_ID, caseId, plan: fuzz.plan, keys, clock });
	const errors: AuthErrorInfo[] = [];
	const onError =
		config.onError === 'none'
			? undefined
			: (info: AuthErrorInfo) => {
					errors.push(info);
					if (config.onError === 'throws') throw new Error('logger failed');
					if (config.onError === 'rejects') return Promise.reject(new Error('logger failed'));
				};
	const errorRedirect = {
		default: undefined,
		path: '/signin',
		named: '/login?error=failed',
		fn: (code: string) => `/oops/${code}`,
		'fn-offsite': () => '//evil.example/',
		'fn-throws': () => {
			throw new Error('no page');
		}
	}[config.errorRedirect];
	const shared = {
		issuer,
		clientId: CLIENT_ID,
		secret: TEST_SECRET,
		origin,
		fetch: as.fetch,
		timeoutMs: TIMEOUT_MS,
		refreshLeaseMs: 2 * TIMEOUT_MS,
		refreshWaitMs: REFRESH_WAIT_MS,
		clock,
		...(config.clientSecret ? { clientSecret: 'client-secret' } : {}),
		...(onError ? { onError } : {}),
		...(errorRedirect === undefined ? {} : { errorRedirect })
	};
	const auth = () =>
		createAuthHandle({
			...shared,
			checkOrigin: config.checkOrigin,
			fetchUserInfo: config.fetchUserInfo,
			revokeOnSignOut: config.revokeOnSignOut,
			rpInitiatedLogout: config.rpInitiatedLogout
		});
	const handoff = () => createHandoffHandler({ ...shared, idpInitiated: config.idpInitiated, sessionConflict: config.sessionConflict, verifyProtocol: config.verifyProtocol });
	// Constructed in mounting order, as hooks.server.ts would (the order of the registry's joins matters).
	const handles = { auth: () => [auth()], handoff: () => [handoff()], 'auth+handoff': () => [auth(), handoff()], 'handoff+auth': () => [handoff(), auth()] }[config.mount]();
	const oracle = createSessionCookie({
		options: resolveSessionOptions('fuzz', undefined),
		sealer: createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock }),
		clock
	});
	const world: World = { caseId, config, origin, issuer, as, handle: chain(handles), oracle, errors, jar: [] };
	await mintInitial(world, fuzz.initial);
	return world;
}

async function mintInitial(world: World, initial: InitialSession): Promise<void> {
	const { as } = world;
	const now = Date.now();
	const age = initial.resealDue ? 10 * 60_000 : 0;
	let refreshToken: string | undefined;
	if (initial.refreshToken) {
		refreshToken = as.marker('cookie-rt');
		as.acceptRefreshToken(refreshToken);
	}
	let idToken: string | undefined;
	if (initial.idToken) {
		const t = Math.floor(now / 1000);
		idToken = await as.sign({ iss: world.issuer, sub: initial.user, aud: CLIENT_ID, iat: t - 60, exp: t + 600, sid: 'sid-1' });
		as.idTokens.add(idToken);
		as.secrets.add(idToken);
	}
	const tokens =
		initial.tokens === 'none'
			? undefined
			: {
					accessToken: as.marker('cookie-at'),
					tokenType: 'Bearer',
					issuedAt: now - 3_600_000,
					expiresAt: now + { fresh: 3_600_000, due: 10_000, expired: -1_000 }[initial.tokens],
					...(refreshToken ? { refreshToken } : {}),
					...(idToken ? { idToken } : {})
				};
	const record: SessionRecord = {
		id: `session-${String(world.caseId).padStart(8, '0')}`,
		source: initial.source,
		user: { id: initial.user, name: 'N'.repeat(initial.padding) || initial.user },
		createdAt: now - age,
		touchedAt: now - age,
		...(tokens ? { tokens } : {}),
		...(initial.family ? { family: { id: crypto.randomUUID(), generation: 0 } } : {}),
		...(initial.idp === 'none' ? {} : { idp: { iss: initial.idp === 'own' ? world.issuer : 'https://other.example', sub: initial.user, sid: 'sid-1' } })
	};
	const batch = new CookieBatch();
	try {
		await world.oracle.write(batch, new URL(world.origin), record, []);
	} catch {
		return; // too large for the cookie budget: the case starts signed out
	}
	world.sealedSample = batch.writes.map((w) => w.value).join('');
	if (initial.kind === 'minted') world.jar = batch.writes.map((w) => [w.name, w.value]);
}

// ---- requests -------------------------------------------------------------------------------------

function resolveValue(world: World, value: Value): string {
	if ('lit' in value) return value.lit;
	switch (value.sym) {
		case 'loginState':
			return world.loginState ?? 'no-such-login-state-0000';
		case 'hoaState':
			return world.hoaState ?? 'hoa_no-such-handoff-state-000';
		case 'code':
			return world.authorizationUrl ? world.as.issueCode(world.authorizationUrl) : 'code-never-issued';
		case 'issuer':
			return world.issuer;
		case 'handoffToken':
			// A secret only once the URL is built, and only where the SDK reads it as handoff_token.
			return world.as.marker('handoff', false);
		case 'idpState':
			return `idp-state-${crypto.randomUUID().slice(0, 8)}`;
		case 'origin':
			return world.origin;
	}
}

function encodeText(text: string, enc: Param['enc']): string {
	const wellFormed = text.toWellFormed();
	if (enc === 'raw') return wellFormed.replace(/#/g, '%23');
	const encoded = encodeURIComponent(wellFormed);
	return enc === 'plus' ? encoded.replace(/%20/g, '+') : encoded;
}

function mangled(text: string, how: Mangle): string {
	switch (how) {
		case 'truncate':
			return text.slice(0, Math.floor(text.length / 2));
		case 'append':
			return `${text}"><x>`;
		case 'nul':
			return `${text}\u0000`;
		case 'upper':
			return text.toUpperCase();
		case 'huge':
			return text + 'A'.repeat(65_536);
		default:
			return text;
	}
}

function renderParam(world: World, p: Param): string {
	const value = mangled(resolveValue(world, p.value), p.mangle);
	// Names of the variant list are written as they should arrive (handoff%5Ftoken decodes to handoff_token).
	const name = /%[0-9A-F]{2}/.test(p.name) ? p.name : encodeText(p.name, p.enc);
	let encoded = encodeText(value, p.enc);
	if (p.mangle === 'bad-escape') encoded += '%E0%';
	if (p.mangle === 'double-encode') encoded = encodeURIComponent(encoded);
	return `${name}=${encoded}`;
}

const PATHS: Record<Exclude<Step['kind'], 'page' | 'handoffArrival'>, string> = {
	login: '/auth/login',
	callback: '/auth/callback',
	logout: '/auth/logout',
	backchannel: '/auth/backchannel-logout',
	handoffStart: '/auth/handoff',
	handoffRefusal: '/auth/handoff/callback'
};

async function logoutToken(world: World, token: LogoutToken): Promise<string> {
	if (token.kind === 'lit') return token.text;
	const now = Math.floor(Date.now() / 1000);
	const claims = world.as.edit({ iss: world.issuer, aud: CLIENT_ID, iat: now, jti: crypto.randomUUID(), events: { [EVENT]: {} }, sid: 'sid-1', sub: 'alice' }, token.claimOps);
	return mangled(await world.as.sign(claims, token.fault, token.typ === 'none' ? undefined : token.typ), token.mangle);
}

async function requestBody(world: World, step: Step): Promise<string | undefined> {
	const body = step.body;
	switch (body.kind) {
		case 'none':
			return undefined;
		case 'text':
			return body.text;
		case 'huge':
			return `logout_token=${'a'.repeat(body.size)}`;
		case 'logout': {
			const token = encodeURIComponent((await logoutToken(world, body.token)).toWellFormed());
			return `logout_token=${token}${body.repeat ? `&logout_token=${token}` : ''}${body.extra}`;
		}
	}
}

// ---- cookie jar -----------------------------------------------------------------------------------

function matches(target: CookieTarget, name: string): boolean {
	if (target === 'session') return SESSION_NAME.test(name);
	if (target === 'txn') return name.includes('txn_');
	if (target === 'result') return name.includes('sso-handoff');
	return true;
}

function sessionBase(world: World): string {
	return world.origin.startsWith('https:') ? '__Host-sso' : 'sso';
}

const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '').replace(/;/g, '');

function foreignJose(world: World, kind: string): string {
	const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
	const realKid = (() => {
		try {
			return (JSON.parse(Buffer.from((world.sealedSample ?? '').split('.')[0], 'base64url').toString()) as { kid?: string }).kid ?? 'k';
		} catch {
			return 'k';
		}
	})();
	switch (kind) {
		case 'pbes2':
			return `${b64({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 2_147_483_647, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' })}.AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
		case 'zip':
			return `${b64({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', kid: realKid })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
		case 'jws-none':
			return `${b64({ alg: 'none' })}.${b64({ s: { id: 'x' } })}.`;
		case 'wrong-enc':
			return `${b64({ alg: 'dir', enc: 'A128CBC-HS256', kid: realKid })}..AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
		case 'not-json':
			return `${b64('not json')}..AAAA.AAAA.AAAA`;
		case 'array':
			return `${b64(['dir'])}..AAAA.AAAA.AAAA`;
		case 'proto':
			return `${b64('{"__proto__":{"alg":"dir","enc":"A256GCM"},"kid":"' + realKid + '"}')}..AAAA.AAAA.AAAA`;
		case 'crit':
			return `${b64({ alg: 'dir', enc: 'A256GCM', kid: realKid, crit: ['exp'], exp: 1 })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
		case 'real-kid-garbage':
			return `${b64({ alg: 'dir', enc: 'A256GCM', kid: realKid })}..${'A'.repeat(16)}.${'B'.repeat(40)}.${'C'.repeat(22)}`;
		case 'four-parts':
			return `${b64({ alg: 'dir', enc: 'A256GCM', kid: realKid })}..AAAA.AAAA`;
		default:
			return '....';
	}
}

function applyCookieOp(world: World, jar: Pair[], op: CookieOp): Pair[] {
	const base = sessionBase(world);
	const index = 'target' in op ? jar.findIndex(([name]) => matches(op.target, name)) : -1;
	const edit = (f: (value: string) => string) => (index === -1 ? jar : jar.map((p, i): Pair => (i === index ? [p[0], latin1(f(p[1]))] : p)));
	switch (op.op) {
		case 'truncate':
			return edit((v) => v.slice(0, Math.floor(v.length * op.at)));
		case 'flip':
			return edit((v) => {
				if (v.length === 0) return v;
				const i = Math.min(v.length - 1, Math.floor(v.length * op.at));
				const c = String.fromCharCode((v.charCodeAt(i) ^ (1 << op.bit)) & 0x7f);
				return v.slice(0, i) + (/[\x20-\x7e]/.test(c) && c !== ';' ? c : 'A') + v.slice(i + 1);
			});
		case 'huge':
			return edit((v) => v + 'A'.repeat(op.size));
		case 'duplicate': {
			if (index === -1) return jar;
			const copy: Pair = [jar[index][0], op.value === 'same' ? jar[index][1] : 'garbage'];
			return op.first ? [copy, ...jar] : [...jar, copy];
		}
		case 'rechunk': {
			const chunks = jar.filter(([n]) => SESSION_NAME.test(n));
			if (chunks.length === 0) return jar;
			const whole = jar.find(([n]) => n === base)?.[1] ?? chunks.map(([, v]) => v).join('');
			const size = Math.ceil(whole.length / op.parts);
			const parts: Pair[] = Array.from({ length: op.parts }, (_, i) => [`${base}.${i}`, whole.slice(i * size, (i + 1) * size)]);
			return [...jar.filter(([n]) => !SESSION_NAME.test(n)), ...(op.parts === 1 ? [[base, whole] as Pair] : parts)];
		}
		case 'sibling':
			return [...jar, [`${base}.${op.index}`, op.value === 'copy' ? (jar.find(([n]) => SESSION_NAME.test(n))?.[1] ?? 'x') : 'garbage']];
		case 'drop':
			return index === -1 ? jar : jar.filter((_, i) => i !== index);
		case 'swap-chunks': {
			const at = jar.map(([n], i) => (SESSION_NAME.test(n) ? i : -1)).filter((i) => i !== -1);
			if (at.length < 2) return jar;
			const copy = [...jar];
			[copy[at[0]], copy[at[1]]] = [[copy[at[0]][0], copy[at[1]][1]], [copy[at[1]][0], copy[at[0]][1]]];
			return copy;
		}
		case 'foreign-jose': {
			const value = foreignJose(world, op.kind);
			return index === -1 ? [...jar, [base, value]] : edit(() => value);
		}
		case 'invalid-utf8':
			return edit((v) => v.slice(0, 8) + { latin1: '\xc3\x28\xff', percent: '%C3%28', 'lone-percent': '%', overlong: '%C0%AF' }[op.kind] + v.slice(8));
		case 'rename':
			return index === -1 ? jar : jar.map((p, i): Pair => (i === index ? [op.to, p[1]] : p));
		case 'add':
			return [...jar, [op.name, latin1(op.value)]];
	}
}

function cookieHeader(jar: Pair[]): string {
	return jar.map(([n, v]) => `${n}=${v}`).join('; ');
}

interface SetCookie {
	name: string;
	value: string;
	deleted: boolean;
}

function parseSetCookie(line: string): SetCookie {
	const [pair, ...attributes] = line.split(';');
	const eq = pair.indexOf('=');
	const name = pair.slice(0, eq).trim();
	const value = pair.slice(eq + 1).trim();
	const deleted = value === '' || attributes.some((a) => /^\s*max-age=(0|-\d+)\s*$/i.test(a)) || attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
	return { name, value, deleted };
}

/** The browser's cookies after a response: each Set-Cookie in order replaces (or deletes) its name. */
function applySetCookies(jar: Pair[], lines: SetCookie[]): Pair[] {
	let out = jar;
	for (const c of lines) {
		const at = out.findIndex(([n]) => n === c.name);
		const rest = out.filter(([n]) => n !== c.name);
		if (c.deleted) out = rest;
		else if (at === -1) out = [...rest, [c.name, c.value]];
		else out = [...out.slice(0, at).filter(([n]) => n !== c.name), [c.name, c.value], ...out.slice(at + 1).filter(([n]) => n !== c.name)];
	}
	return out;
}

// ---- one request ----------------------------------------------------------------------------------

interface Sent {
	readonly url: string;
	readonly method: string;
	readonly response: Response;
	readonly body: string;
	readonly setCookies: SetCookie[];
	readonly elapsed: number;
	readonly resolveSawAuth: boolean | null;
}

function describeRequest(url: string, method: string, headers: Headers, cookie: string, body: string | undefined): string {
	const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
	return `${method} ${clip(url)}\n  headers: ${clip(JSON.stringify([...headers]))}\n  cookie: ${clip(cookie)}${body === undefined ? '' : `\n  body: ${clip(body)}`}`;
}

/** One request through the hooks. */
async function send(world: World, step: Step, url: string, method: string, headers: Headers, cookie: string, body: string | undefined): Promise<Sent | null> {
	const event = fakeEvent(url, { method, headers, cookie, body: body ?? null });
	let resolveSawAuth: boolean | null = null;
	let tokenFailure: unknown;
	const started = Date.now();
	const resolve = async (e: typeof event): Promise<Response> => {
		const auth = (e.locals as { auth?: ServerAuthContext }).auth;
		resolveSawAuth = auth !== undefined;
		if (step.accessToken && auth?.isAuthenticated) {
			try {
				await auth.getAccessToken();
			} catch (error) {
				tokenFailure = error ?? new Error(String(error));
			}
		}
		// Kit adds the cookies set through event.cookies to the response resolve() builds, then
		// hands it to the hooks; writes after that, or on a response a hook built, are lost.
		const response = new Response('page', { headers: { 'content-type': 'text/plain', 'x-fuzz': 'page' } });
		for (const line of event.kit.setCookies()) response.headers.append('set-cookie', line);
		return response;
	};
	let timer: ReturnType<typeof setTimeout> | undefined;
	const hung = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Violation(`P3 the request did not finish within ${HARD_DEADLINE_MS} ms`)), HARD_DEADLINE_MS);
	});
	let response: Response;
	try {
		response = await Promise.race([Promise.resolve(world.handle({ event, resolve: resolve as Parameters<Handle>[0]['resolve'] })), hung]);
	} catch (error) {
		if (error instanceof Violation) throw error;
		throw new Violation(`P1 an error escaped the handle: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
	} finally {
		clearTimeout(timer);
	}
	if (tokenFailure !== undefined) throw new Violation(`P1 locals.auth.getAccessToken() rejected: ${tokenFailure instanceof Error ? tokenFailure.stack : String(tokenFailure)}`);
	const text = await response.text();
	return {
		url,
		method,
		response,
		body: text,
		setCookies: response.headers.getSetCookie().map(parseSetCookie),
		elapsed: Date.now() - started,
		resolveSawAuth
	};
}

// ---- properties -----------------------------------------------------------------------------------

function secretsIn(world: World, text: string): string[] {
	const found: string[] = [];
	for (const secret of world.as.secrets) {
		if (text.includes(secret)) found.push(secret);
		else if (world.as.idTokens.has(secret)) {
			// A part of an ID token is a leak too: its signature is unique to it.
			const signature = secret.split('.')[2];
			if (signature && signature.length > 20 && text.includes(signature)) found.push(secret);
		}
	}
	return found;
}

function isAdvertised(world: World, location: URL, which: readonly ('authorization' | 'endSession')[] = ['authorization', 'endSession']): boolean {
	for (const value of which.flatMap((w) => [...world.as.advertised[w]])) {
		let endpoint: URL;
		try {
			endpoint = new URL(value);
		} catch {
			continue;
		}
		if (endpoint.protocol === location.protocol && endpoint.host === location.host && endpoint.pathname === location.pathname) return true;
	}
	return false;
}

function checkLocation(world: World, location: string): string | null {
	if (location.startsWith('/')) {
		if (/^\/[/\\]/.test(location)) return 'is protocol-relative';
		// In the path, where a browser strips tabs and newlines and reads `\` as `/` (the query may carry both).
		if (/[\u0000-\u0020\u007f\\]/.test(location.split(/[?#]/)[0])) return 'has a control character, whitespace or a backslash in its path';
		if (new URL(location, world.origin).origin !== new URL(world.origin).origin) return 'resolves to another origin';
		return null;
	}
	let url: URL;
	try {
		url = new URL(location);
	} catch {
		return 'is neither a path nor an absolute URL';
	}
	return isAdvertised(world, url) ? null : 'leaves the app for a place no discovery document named';
}

async function checkResponse(world: World, step: Step, sent: Sent, request: { jar: Pair[]; headers: Headers; callsBefore: number; what: string }): Promise<void> {
	const { jar: requestJar, callsBefore, what } = request;
	const { response } = sent;
	const fail = (message: string): never => {
		throw new Violation(`${message}\n  answer: ${response.status} ${JSON.stringify([...response.headers]).slice(0, 600)}\n  request: ${what}`);
	};
	const url = new URL(sent.url);

	// P2
	if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) fail(`P2 status ${response.status} is not an HTTP status`);
	if (response.status >= 500) {
		const backchannel =
			response.status === 503 &&
			sent.method === 'POST' &&
			url.pathname === '/auth/backchannel-logout' &&
			(world.as.faulted.has('discovery') || world.as.faulted.has('jwks'));
		const purpose = request.headers.get('sec-purpose') ?? request.headers.get('purpose') ?? '';
		const prefetch = response.status === 503 && url.searchParams.has('handoff_token') && sent.body === '' && /prefetch|prerender/i.test(purpose);
		if (!backchannel && !prefetch) fail(`P2 answered ${response.status}`);
	}

	// P3
	const calls = Object.values(world.as.calls).reduce((a, b) => a + b, 0) - callsBefore;
	const budget = calls * TIMEOUT_MS + step.copies * REFRESH_WAIT_MS + SLACK_MS;
	if (sent.elapsed > budget) fail(`P3 took ${sent.elapsed} ms for ${calls} server call(s) (budget ${budget} ms)`);

	// P5
	const location = response.headers.get('location');
	if (location !== null) {
		const wrong = checkLocation(world, location);
		if (wrong) fail(`P5 Location ${JSON.stringify(location.slice(0, 300))} ${wrong}`);
	}

	// P4: the ID token may ride only as id_token_hint to an advertised end-session endpoint.
	let visibleLocation = location ?? '';
	if (location && !location.startsWith('/')) {
		const target = new URL(location);
		if (isAdvertised(world, target, ['endSession'])) target.searchParams.delete('id_token_hint');
		visibleLocation = target.href;
	}
	const otherHeaders = [...response.headers].filter(([n]) => n !== 'location').map(([n, v]) => `${n}: ${v}`).join('\n');
	for (const [where, text] of [
		['Location', visibleLocation],
		['a header', otherHeaders],
		['the body', sent.body]
	] as const) {
		const leaked = secretsIn(world, text);
		if (leaked.length > 0) fail(`P4 ${where} carries a token: ${leaked[0].slice(0, 80)}`);
	}

	// P6
	const session = sent.setCookies.filter((c) => SESSION_NAME.test(c.name));
	if (session.length > 0 && !/no-store/.test(response.headers.get('cache-control') ?? '')) fail('P6 a response that sets or clears the session cookie lacks Cache-Control: no-store');
	if (session.some((c) => !c.deleted)) {
		const after = applySetCookies(requestJar, sent.setCookies);
		const header = cookieHeader(after.filter(([n]) => SESSION_NAME.test(n)));
		const read = await world.oracle.read(header, new URL(world.origin));
		// Written and then deleted again within the response is a deletion; anything else must open.
		if (read.kind !== 'valid' && read.kind !== 'none') fail(`P6 the session cookie this response writes does not open (${read.kind}); the browser is left with: ${header.slice(0, 300)}`);
		// A DPoP key sealed in the session (verifyProtocol 'authrim-2026') is a secret from now on (P4,
		// docs/SECURITY.md D2): neither this response nor any later one or log may carry it.
		const dpopKey = read.kind === 'valid' ? (read.record.tokens as { dpop?: { d?: unknown } } | undefined)?.dpop?.d : undefined;
		if (typeof dpopKey === 'string') {
			world.as.secrets.add(dpopKey);
			if ([visibleLocation, otherHeaders, sent.body].some((text) => text.includes(dpopKey))) fail('P4 a response carries the DPoP private key');
		}
	}

	// P7
	if (sent.resolveSawAuth === false) fail('P7 the page was rendered without locals.auth');
}

/**
 * Open defects the fuzzer found, reported and not fixed here: each is exempt from exactly the
 * property it breaks, under exactly the conditions that trigger it, so the suite stays green and
 * keeps finding everything else. Remove an entry once its fix lands; the fuzzer then guards the fix.
 */

async function runStep(world: World, step: Step, stats: Map<string, number> | undefined): Promise<void> {
	const path = step.kind === 'page' || step.kind === 'handoffArrival' ? step.path : PATHS[step.kind];
	const query = step.params.map((p) => renderParam(world, p)).join('&');
	const href = `${world.origin}${path}${query === '' ? '' : `${path.includes('?') ? '&' : '?'}${query}`}`;
	const parsed = new URL(href);
	parsed.hash = ''; // a server never sees a fragment
	const url = parsed.href;
	for (const token of parsed.searchParams.getAll('handoff_token')) {
		for (const [marker] of token.matchAll(/SECRET-TOKEN-\d{8}-\d{3}-handoff/g)) world.as.secrets.add(marker);
	}
	const defaultMethod = step.kind === 'logout' || step.kind === 'backchannel' ? 'POST' : 'GET';
	const method = step.method ?? defaultMethod;
	const headers = new Headers();
	if (step.kind === 'logout') {
		headers.set('origin', world.origin);
		headers.set('sec-fetch-site', 'same-origin');
	}
	if (step.kind === 'logout' || step.kind === 'backchannel') headers.set('content-type', 'application/x-www-form-urlencoded');
	for (const [name, value] of step.headers) headers.set(name, value.replaceAll('{origin}', world.origin));
	const bodiless = ['GET', 'HEAD'].includes(method.toUpperCase());
	const body = bodiless ? undefined : await requestBody(world, step);

	for (const op of step.cookieOps) world.jar = applyCookieOp(world, world.jar, op);
	const requestJar = world.jar;
	const cookie = cookieHeader(requestJar);
	const what = describeRequest(url, method, headers, cookie, body);
	const callsBefore = Object.values(world.as.calls).reduce((a, b) => a + b, 0);

	const sent = await Promise.all(Array.from({ length: step.copies }, () => send(world, step, url, method, headers, cookie, body)));
	for (const one of sent) {
		if (one === null) continue;
		if (stats) {
			const location = one.response.headers.get('location');
			const path = location?.split(/[?#]/)[0] ?? '';
			const known = ['/', '/page', '/login', '/signin', '/dashboard'].includes(path) || path.startsWith('/oops/') ? path : 'another path';
			const code = location === null ? undefined : /[?&]error=([a-z_]+)/.exec(location)?.[1];
			const where = location === null ? '' : location.startsWith('/') ? ` → ${known}${code ? ` (${code})` : ''}` : ' → external';
			const written = one.setCookies.filter((c) => SESSION_NAME.test(c.name) && !c.deleted).length;
			const wrote = written > 1 ? ` +session(${written} chunks)` : written === 1 ? ' +session' : one.setCookies.some((c) => SESSION_NAME.test(c.name)) ? ' -session' : '';
			const key = `${step.kind} ${method} ${one.response.status}${where}${wrote}`;
			stats.set(key, (stats.get(key) ?? 0) + 1);
		}
		await checkResponse(world, step, one, { jar: requestJar, headers, callsBefore, what });
		world.jar = applySetCookies(world.jar, one.setCookies);
		const location = one.response.headers.get('location');
		if (location && !location.startsWith('/')) {
			const target = new URL(location);
			const state = target.searchParams.get('state');
			if (state?.startsWith('hoa_')) world.hoaState = state;
			else if (state && target.searchParams.has('code_challenge')) {
				world.loginState = state;
				world.authorizationUrl = target;
			}
		}
	}
}

function dump(value: unknown, seen = new Set<unknown>(), depth = 0): string {
	if (depth > 12) return '…';
	if (value instanceof Error) {
		if (seen.has(value)) return '[cycle]';
		seen.add(value);
		const own = Object.fromEntries(Object.getOwnPropertyNames(value).map((k) => [k, (value as unknown as Record<string, unknown>)[k]]));
		return `${value.name}: ${value.message}\n${value.stack ?? ''} ${dump({ ...own, cause: value.cause }, seen, depth + 1)}`;
	}
	if (value !== null && typeof value === 'object') {
		if (seen.has(value)) return '[cycle]';
		seen.add(value);
		return `{${Object.entries(value as Record<string, unknown>)
			.map(([k, v]) => `${k}: ${dump(v, seen, depth + 1)}`)
			.join(', ')}}`;
	}
	return typeof value === 'string' ? value : String(value);
}

/** Runs one case: every request is checked as it answers; the logs and rejections at the end. */
export async function runCase(caseId: number, fuzz: FuzzCase, keys: Keys, recorders: Recorders, mode: Mode): Promise<void> {
	const consoleBefore = recorders.console.length;
	const rejectionsBefore = recorders.rejections.length;
	const world = await buildWorld(caseId, fuzz, keys, mode);
	// The whole case has a deadline too: every request's own deadline, plus the case's setup.
	const deadline = (fuzz.steps.length + 1) * HARD_DEADLINE_MS;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Violation(`P3 the case did not finish within ${deadline} ms`)), deadline);
	});
	try {
		await Promise.race([
			(async () => {
				for (const step of fuzz.steps) await runStep(world, step, recorders.stats);
			})(),
			late
		]);
	} finally {
		clearTimeout(timer);
	}
	// Give a rejection nobody handles the turn of the event loop it needs to be reported.
	await new Promise((resolve) => setImmediate(resolve));
	await new Promise((resolve) => setImmediate(resolve));
	const lines = recorders.console.slice(consoleBefore).join('\n');
	const logged = secretsIn(world, lines);
	if (logged.length > 0) throw new Violation(`P4 a console line carries a token: ${logged[0].slice(0, 80)}`);
	for (const info of world.errors) {
		const leaked = secretsIn(world, dump(info));
		if (leaked.length > 0) throw new Violation(`P4 an onError payload carries a token (${info.phase}/${info.code}: ${info.message}): ${leaked[0].slice(0, 80)}`);
	}
	if (recorders.rejections.length > rejectionsBefore) {
		throw new Violation(`P8 unhandled rejection: ${dump(recorders.rejections[rejectionsBefore]).slice(0, 1000)}`);
	}
}
