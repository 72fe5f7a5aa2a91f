// fast-check generators for one fuzz case: the app's configuration, the session it starts with, the
// servers' answers and a few requests. Values the case can only know at run time (the state of the
// sign-in it just started, the code the server issued, the handoff token) are symbols the harness
// resolves, so most requests get past the first checks and reach the deep paths, where a hostile
// answer or a mangled cookie does the most damage.
import fc from 'fast-check';
import { ENDPOINTS, type Answer, type BodySpec, type Delivery, type Endpoint, type JsonOp, type JsonSpec, type JwtFault, type ServerPlan } from './hostile-as.js';

export interface CaseConfig {
	readonly origin: 'https://app.example' | 'http://127.0.0.1:5173';
	readonly mount: 'auth' | 'handoff' | 'auth+handoff' | 'handoff+auth';
	readonly production: boolean;
	readonly checkOrigin: boolean;
	readonly idpInitiated: 'accept' | 'reject';
	readonly sessionConflict: 'reject' | 'replace';
	readonly verifyProtocol: 'seed-2025' | 'authrim-2026';
	readonly fetchUserInfo: boolean;
	readonly clientSecret: boolean;
	readonly errorRedirect: 'default' | 'path' | 'named' | 'fn' | 'fn-offsite' | 'fn-throws';
	readonly onError: 'record' | 'throws' | 'rejects' | 'none';
	readonly revokeOnSignOut: boolean;
	readonly rpInitiatedLogout: boolean;
}

export interface InitialSession {
	readonly kind: 'none' | 'minted';
	readonly source: 'oidc' | 'handoff' | 'testing';
	readonly user: 'alice' | 'bob';
	/** fresh: far from expiry; due: inside the refresh leeway; expired: past. */
	readonly tokens: 'none' | 'fresh' | 'due' | 'expired';
	readonly refreshToken: boolean;
	readonly idToken: boolean;
	readonly family: boolean;
	readonly idp: 'none' | 'own' | 'other';
	/** A session touched longer ago than the rolling interval is re-sealed on its next request. */
	readonly resealDue: boolean;
	/** Pad the user's name so the session needs chunks. */
	readonly padding: 0 | 3000 | 6000 | 11000;
}

export type Sym = 'loginState' | 'hoaState' | 'code' | 'issuer' | 'handoffToken' | 'idpState' | 'origin';
export type Value = { readonly sym: Sym } | { readonly lit: string };
export type Mangle = 'none' | 'truncate' | 'append' | 'nul' | 'upper' | 'bad-escape' | 'double-encode' | 'huge';
export interface Param {
	readonly name: string;
	readonly value: Value;
	readonly mangle: Mangle;
	/** encode: encodeURIComponent; raw: as is (invalid escapes, `&`, `=` stay); plus: spaces as `+`. */
	readonly enc: 'encode' | 'raw' | 'plus';
}

export type CookieTarget = 'session' | 'txn' | 'result' | 'any';
export type ForeignJose = 'pbes2' | 'zip' | 'jws-none' | 'wrong-enc' | 'not-json' | 'array' | 'proto' | 'crit' | 'real-kid-garbage' | 'four-parts' | 'empty-parts';
export type CookieOp =
	| { readonly op: 'truncate'; readonly target: CookieTarget; readonly at: number }
	| { readonly op: 'flip'; readonly target: CookieTarget; readonly at: number; readonly bit: number }
	| { readonly op: 'huge'; readonly target: CookieTarget; readonly size: number }
	| { readonly op: 'duplicate'; readonly target: CookieTarget; readonly value: 'same' | 'garbage'; readonly first: boolean }
	| { readonly op: 'rechunk'; readonly parts: number }
	| { readonly op: 'sibling'; readonly index: string; readonly value: 'garbage' | 'copy' }
	| { readonly op: 'drop'; readonly target: CookieTarget }
	| { readonly op: 'swap-chunks' }
	| { readonly op: 'foreign-jose'; readonly target: CookieTarget; readonly kind: ForeignJose }
	| { readonly op: 'invalid-utf8'; readonly target: CookieTarget; readonly kind: 'latin1' | 'percent' | 'lone-percent' | 'overlong' }
	| { readonly op: 'rename'; readonly target: CookieTarget; readonly to: string }
	| { readonly op: 'add'; readonly name: string; readonly value: string };

export type StepKind = 'login' | 'callback' | 'logout' | 'backchannel' | 'handoffStart' | 'handoffArrival' | 'handoffRefusal' | 'page';

export type LogoutToken =
	| { readonly kind: 'signed'; readonly claimOps: readonly JsonOp[]; readonly fault: JwtFault; readonly typ: 'logout+jwt' | 'application/logout+jwt' | 'JWT' | 'none'; readonly mangle: Mangle }
	| { readonly kind: 'lit'; readonly text: string };

export type RequestBody =
	| { readonly kind: 'logout'; readonly token: LogoutToken; readonly repeat: boolean; readonly extra: string }
	| { readonly kind: 'text'; readonly text: string }
	| { readonly kind: 'huge'; readonly size: number }
	| { readonly kind: 'none' };

export interface Step {
	readonly kind: StepKind;
	/** null: the method the route expects. */
	readonly method: string | null;
	readonly headers: readonly (readonly [string, string])[];
	readonly params: readonly Param[];
	/** For page and handoff arrival steps: the path. */
	readonly path: string;
	readonly cookieOps: readonly CookieOp[];
	readonly body: RequestBody;
	/** The page calls locals.auth.getAccessToken(), which may refresh while the page is built. */
	readonly accessToken: boolean;
	/** Concurrent copies of the request (double clicks, parallel tabs, a refresh storm). */
	readonly copies: 1 | 2;
}

export interface FuzzCase {
	readonly config: CaseConfig;
	readonly initial: InitialSession;
	readonly plan: ServerPlan;
	readonly steps: readonly Step[];
}

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

// ---- strings --------------------------------------------------------------------------------------

/** Open-redirect payloads for returnTo / redirectTo (row C13) and friends. */
export const REDIRECT_PAYLOADS = [
	'//evil.example',
	'//evil.example/path',
	'/\\evil.example',
	'\\\\evil.example',
	'/%2F%2Fevil.example',
	'/%2f%2fevil.example',
	'%2F%2Fevil.example',
	'/%5C%5Cevil.example',
	'/%5Cevil.example',
	'/%252F%252Fevil.example',
	'https://evil.example',
	'http://evil.example/',
	'HTTPS://EVIL.EXAMPLE',
	'https:evil.example',
	'https:/evil.example',
	'///evil.example',
	'////evil.example',
	'/\t/evil.example',
	'/%09/evil.example',
	'/\n/evil.example',
	'/%0A/evil.example',
	' //evil.example',
	'\u0000//evil.example',
	'/.//evil.example',
	'/./\\evil.example',
	'https://app.example@evil.example',
	'//app.example@evil.example',
	'https://app.example.evil.example/',
	'https://app.example/\\evil.example',
	'https://app.example//evil.example',
	'http://127.0.0.1:5173//evil.example',
	'javascript:alert(1)',
	'JaVaScRiPt:alert(1)',
	'data:text/html,<script>alert(1)</script>',
	'//evil%E3%80%82example',
	'/\u3002evil.example',
	'//\u2025evil.example',
	'/%0D%0ALocation:%20https://evil.example',
	'/dashboard',
	'/dashboard?x=1#top',
	'/',
	''
];

const INVALID_ESCAPES = ['%', '%G1', '%C3%28', '%E0%80', '%ED%A0%80', '%FF', '%%', '%2', 'a%zz', '%C0%AF'];

const junk = fc.oneof(
	w(3, fc.string({ maxLength: 24 })),
	w(2, fc.string({ unit: 'binary', maxLength: 16 })),
	w(2, fc.constantFrom(...INVALID_ESCAPES)),
	w(1, fc.constantFrom('\u0000', 'a\u0000b', '\u0000'.repeat(4), '\r\n', '\u202e', '\ufeff', '💥', '&', '=', '?', '#', '+', ';', ',', '"', "'", '<script>')),
	w(1, fc.constantFrom(65_536, 9_000, 4_097).map((n) => 'a'.repeat(n)))
);

const literal = fc.oneof(w(3, fc.constantFrom(...REDIRECT_PAYLOADS)), w(4, junk)).map((lit): Value => ({ lit }));

const sym = (...names: Sym[]) => fc.constantFrom(...names).map((s): Value => ({ sym: s }));

const mangle: fc.Arbitrary<Mangle> = fc.oneof(
	w(12, fc.constant<Mangle>('none')),
	w(1, fc.constantFrom<Mangle>('truncate', 'append', 'nul', 'upper', 'bad-escape', 'double-encode', 'huge'))
);
const enc = fc.oneof(w(8, fc.constant<'encode'>('encode')), w(2, fc.constant<'raw'>('raw')), w(1, fc.constant<'plus'>('plus')));

/** A parameter that is usually right (a symbol) and sometimes anything. */
function param(name: string | fc.Arbitrary<string>, good: fc.Arbitrary<Value>, goodWeight = 6): fc.Arbitrary<Param> {
	const names = typeof name === 'string' ? fc.constant(name) : name;
	return fc.record({ name: names, value: fc.oneof(w(goodWeight, good), w(2, literal)), mangle, enc });
}

/** A name that URLSearchParams reads as `name` (or, sometimes, almost). */
function nameVariants(name: string): fc.Arbitrary<string> {
	const encoded = name.replace(/_/g, '%5F');
	return fc.oneof(w(20, fc.constant(name)), w(1, fc.constantFrom(encoded, name.toUpperCase(), `${name}%00`, `${name}[]`, ` ${name}`, `${name}%`)));
}

const junkParam: fc.Arbitrary<Param> = fc.record({
	name: fc.oneof(
		fc.constantFrom('returnTo', 'redirectTo', 'code', 'state', 'iss', 'error', 'error_description', 'session_state', 'prompt', 'login_hint', 'handoff_token', 'x', 'client_id', 'verify_url', 'redirect_uri', '__proto__', 'constructor'),
		fc.string({ maxLength: 8 })
	),
	value: literal,
	mangle,
	enc
});

/** The route's own parameters (each present with its odds), junk around them, maybe a duplicate, maybe shuffled. */
function query(own: (fc.Arbitrary<Param> | [fc.Arbitrary<Param>, number])[]): fc.Arbitrary<Param[]> {
	const present = own.map((p) => {
		const [arbitrary, odds] = Array.isArray(p) ? p : [p, 0.9];
		const scale = 20;
		return fc.oneof(w(Math.round(odds * scale), arbitrary), w(Math.round((1 - odds) * scale), fc.constant(null)));
	});
	return fc
		.tuple(
			fc.tuple(...present),
			fc.oneof(w(3, fc.constant([])), w(1, fc.array(junkParam, { minLength: 1, maxLength: 3 }))),
			fc.oneof(w(10, fc.constant(null)), w(1, fc.nat())),
			fc.boolean()
		)
		.map(([mine, extra, duplicate, shuffle]) => {
			const params = [...mine.filter((p): p is Param => p !== null), ...extra];
			if (duplicate !== null && params.length > 0) params.push(params[duplicate % params.length]);
			if (shuffle) params.reverse();
			return params;
		});
}

// ---- requests -------------------------------------------------------------------------------------

const HEADER_VALUES: Record<string, string[]> = {
	origin: ['{origin}', '{origin}', 'null', 'https://evil.example', '{origin}/', 'HTTPS://APP.EXAMPLE', 'https://app.example:443', 'http://app.example'],
	'sec-fetch-site': ['same-origin', 'same-site', 'cross-site', 'none', 'SAME-ORIGIN', 'same-origin, cross-site'],
	'sec-purpose': ['prefetch', 'prefetch;prerender', 'PREFETCH', 'prefetch;anonymous-client-ip'],
	purpose: ['prefetch', 'prerender'],
	'content-type': [
		'application/x-www-form-urlencoded',
		'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8',
		'multipart/form-data; boundary=x',
		'text/plain',
		'TEXT/PLAIN;charset=UTF-8',
		'application/json',
		'application/x-www-form-urlencodedx',
		' application/x-www-form-urlencoded',
		'text/html'
	],
	host: ['evil.example', 'app.example', '127.0.0.1:5173'],
	'x-forwarded-host': ['evil.example'],
	'x-forwarded-proto': ['http', 'https', 'javascript'],
	accept: ['text/html', 'application/json', '*/*'],
	authorization: ['Bearer x', 'Basic YXBwOnNlY3JldA==']
};

const header = fc.constantFrom(...Object.keys(HEADER_VALUES)).chain((name) =>
	fc.oneof(w(6, fc.constantFrom(...HEADER_VALUES[name])), w(1, fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')))).map((value) => [name, value] as const)
);

const cookieTarget = fc.constantFrom<CookieTarget>('session', 'session', 'txn', 'result', 'any');
const cookieOp: fc.Arbitrary<CookieOp> = fc.oneof(
	fc.record({ op: fc.constant('truncate' as const), target: cookieTarget, at: fc.double({ min: 0, max: 1, noNaN: true }) }),
	fc.record({ op: fc.constant('flip' as const), target: cookieTarget, at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 6 }) }),
	fc.record({ op: fc.constant('huge' as const), target: cookieTarget, size: fc.constantFrom(5_000, 20_000, 70_000) }),
	fc.record({ op: fc.constant('duplicate' as const), target: cookieTarget, value: fc.constantFrom('same' as const, 'garbage' as const), first: fc.boolean() }),
	fc.record({ op: fc.constant('rechunk' as const), parts: fc.integer({ min: 1, max: 10 }) }),
	fc.record({ op: fc.constant('sibling' as const), index: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '07', '10', '99', '123', '-1', 'x'), value: fc.constantFrom('garbage' as const, 'copy' as const) }),
	fc.record({ op: fc.constant('drop' as const), target: cookieTarget }),
	fc.constant({ op: 'swap-chunks' as const }),
	fc.record({
		op: fc.constant('foreign-jose' as const),
		target: cookieTarget,
		kind: fc.constantFrom<ForeignJose>('pbes2', 'zip', 'jws-none', 'wrong-enc', 'not-json', 'array', 'proto', 'crit', 'real-kid-garbage', 'four-parts', 'empty-parts')
	}),
	fc.record({ op: fc.constant('invalid-utf8' as const), target: cookieTarget, kind: fc.constantFrom('latin1' as const, 'percent' as const, 'lone-percent' as const, 'overlong' as const) }),
	fc.record({ op: fc.constant('rename' as const), target: cookieTarget, to: fc.constantFrom('__Secure-sso', 'SSO', 'sso', '__Host-sso', '__host-sso', 'sso ', '__Host-txn_x', 'sso-handoff') }),
	fc.record({
		op: fc.constant('add' as const),
		name: fc.constantFrom('sso', '__Host-sso', 'sso.0', '__Host-sso.1', '__Host-sso-handoff', '__Host-txn_AAAAAAAAAAAAAAAAAAAA', '__txn_', 'x'),
		value: fc.oneof(junk.map((s) => s.replace(/[^\x20-\x7e]/g, '').replace(/;/g, '')), fc.constant('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.AAAA.AAAA'))
	})
);

const cookieOps = fc.oneof(w(6, fc.constant<CookieOp[]>([])), w(4, fc.array(cookieOp, { minLength: 1, maxLength: 3 })));

// ---- JSON edits -----------------------------------------------------------------------------------

const jsonSpec: fc.Arbitrary<JsonSpec> = fc.oneof(
	w(6, fc.jsonValue({ maxDepth: 2 }).map((v): JsonSpec => ({ t: 'value', v }))),
	w(2, fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53 + 1, '', 'Bearer', 'DPoP', 'bearer', [], {}, ['RS256'], ['none'], 'none', 'https://evil.example/x', 'javascript:alert(1)', 'http://as.example/token', '/relative', 'not a url', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'invalid_grant', 'temporarily_unavailable').map((v): JsonSpec => ({ t: 'value', v }))),
	w(1, fc.constantFrom('1e400', '-0', '1e-400', '"\\ud800"', '"\\u0000"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}').map((text): JsonSpec => ({ t: 'raw', text }))),
	w(1, fc.constantFrom(300, 20_000, 70_000).map((size): JsonSpec => ({ t: 'huge', size }))),
	w(1, fc.record({ depth: fc.constantFrom(50, 5_000, 40_000), open: fc.constantFrom<'[' | '{"a":'>('[', '{"a":') }).map((d): JsonSpec => ({ t: 'deep', ...d }))),
	w(1, fc.constant<JsonSpec>({ t: 'marker' }))
);

const MEMBER_NAMES: Record<Endpoint, string[]> = {
	discovery: ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint', 'userinfo_endpoint', 'id_token_signing_alg_values_supported', 'authorization_response_iss_parameter_supported', 'code_challenge_methods_supported'],
	jwks: ['keys'],
	token: ['access_token', 'token_type', 'expires_in', 'refresh_token', 'id_token', 'scope', 'error', 'error_description'],
	userinfo: ['sub', 'name', 'email'],
	revocation: ['error'],
	verify: ['token_type', 'access_token', 'expires_in', 'refresh_token', 'user', 'session', 'carry_over_state', 'client_id', 'aud', 'error', 'error_description']
};
const CLAIM_NAMES = ['iss', 'sub', 'aud', 'iat', 'exp', 'nonce', 'azp', 'sid', 'auth_time', 'jti', 'events', 'typ'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function jsonOps(names: string[]): fc.Arbitrary<JsonOp[]> {
	const key = fc.oneof(w(6, fc.constantFrom(...names)), w(2, fc.constantFrom(...PROTO_KEYS)), w(1, fc.string({ maxLength: 6 })));
	const op: fc.Arbitrary<JsonOp> = fc.oneof(
		fc.record({ op: fc.constant('delete' as const), key }),
		fc.record({ op: fc.constant('set' as const), key, value: jsonSpec }),
		fc.record({ op: fc.constant('repeat' as const), key, value: jsonSpec })
	);
	return fc.array(op, { minLength: 0, maxLength: 3 });
}

const jwtFault = fc.oneof(w(8, fc.constant<JwtFault>('none')), w(2, fc.constantFrom<JwtFault>('alg-none', 'foreign-key', 'no-kid', 'unknown-kid', 'bad-signature', 'typ-jwt', 'truncated', 'hs256')));

const STATUSES = [200, 201, 204, 205, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 429, 500, 502, 503, 504];
const status = fc.oneof(w(4, fc.constantFrom(...STATUSES)), w(1, fc.integer({ min: 100, max: 599 })));
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/jwk-set+json', 'application/problem+json', 'application/jsonx', 'text/html', 'text/plain', '', 'application/x-www-form-urlencoded'];

function bodySpec(endpoint: Endpoint): fc.Arbitrary<BodySpec> {
	return fc.oneof(
		w(6, fc.record({ kind: fc.constant('edited' as const), ops: jsonOps(MEMBER_NAMES[endpoint]), claimOps: endpoint === 'token' ? jsonOps(CLAIM_NAMES) : fc.constant([]), jwt: endpoint === 'token' ? jwtFault : fc.constant<JwtFault>('none') })),
		w(2, fc.record({ kind: fc.constant('json' as const), value: jsonSpec })),
		w(1, fc.record({ kind: fc.constant('text' as const), text: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('<html>oops</html>', '{"access_token":', 'null', '[]', '"str"', 'true', '{}', '\ufeff{}')) })),
		w(1, fc.record({ kind: fc.constant('bytes' as const), bytes: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 32 }), fc.constant([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), fc.constant([0xef, 0xbb, 0xbf, 0x7b, 0x7d])) })),
		w(1, fc.constant<BodySpec>({ kind: 'empty' })),
		w(1, fc.record({ kind: fc.constant('huge' as const), size: fc.constantFrom(300_000, 2_000_000, 8_000_000), json: fc.boolean() }))
	);
}

function answer(endpoint: Endpoint): fc.Arbitrary<Answer> {
	const respond = fc.record({
		kind: fc.constant('respond' as const),
		status: fc.oneof(w(5, fc.constant(200)), w(3, status)),
		contentType: fc.oneof(w(6, fc.constant<string | null>(endpoint === 'jwks' ? 'application/jwk-set+json' : 'application/json')), w(2, fc.constantFrom<string | null>(...CONTENT_TYPES, null))),
		contentLength: fc.oneof(w(8, fc.constant('none' as const)), w(1, fc.constantFrom('too-big' as const, 'too-small' as const, 'garbage' as const))),
		delivery: fc.oneof(w(12, fc.constant<Delivery>('whole')), w(1, fc.constantFrom<Delivery>('stall', 'part-then-stall', 'part-then-error', 'null-body'))),
		body: bodySpec(endpoint),
		location: fc.option(fc.constantFrom('https://evil.example/', '/token', `//evil.example`), { freq: 6, nil: undefined })
	});
	return fc.oneof(
		w(10, fc.constant<Answer>({ kind: 'valid' })),
		w(10, respond),
		w(1, fc.constant<Answer>({ kind: 'hang' })),
		w(1, fc.constant<Answer>({ kind: 'network' })),
		w(1, fc.constantFrom<Answer>({ kind: 'throw', value: 'string' }, { kind: 'throw', value: 'null' }, { kind: 'throw', value: 'object' }))
	);
}

export const serverPlan: fc.Arbitrary<ServerPlan> = fc.record({
	answers: fc.record(Object.fromEntries(ENDPOINTS.map((e) => [e, fc.oneof(w(2, fc.constant([])), w(3, fc.array(answer(e), { minLength: 1, maxLength: 3 })))])) as Record<Endpoint, fc.Arbitrary<Answer[]>>),
	verifyUser: fc.constantFrom('alice' as const, 'bob' as const),
	expiresIn: fc.constantFrom(3600, 60, 40, 1),
	verifyRefresh: fc.boolean(),
	verifyTokenType: fc.constantFrom('Bearer' as const, 'DPoP' as const)
});

// ---- steps ----------------------------------------------------------------------------------------

const PAGE_PATHS = ['/page', '/', '/dashboard?tab=1', '//evil.example/x', '/\\evil.example', '/%2F%2Fevil.example', '/auth/callback', '/auth/handoff/callback', '/auth/login', '/auth/logout', '/auth/backchannel-logout', '/auth/handoff', '/a/../auth/login', '/AUTH/LOGIN', '/auth/login/', '/%61uth/login', '/%00', '/caf%C3%A9'];

const signedLogout: fc.Arbitrary<LogoutToken> = fc.record({
	kind: fc.constant('signed' as const),
	claimOps: fc.oneof(w(3, fc.constant([])), w(2, jsonOps(CLAIM_NAMES))),
	fault: jwtFault,
	typ: fc.constantFrom('logout+jwt' as const, 'application/logout+jwt' as const, 'JWT' as const, 'none' as const),
	mangle
});
const logoutToken: fc.Arbitrary<LogoutToken> = fc.oneof(
	w(5, signedLogout),
	w(1, fc.oneof(junk, fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '....', 'x'.repeat(20_000))).map((text): LogoutToken => ({ kind: 'lit', text })))
);
const requestBody: fc.Arbitrary<RequestBody> = fc.oneof(
	w(6, fc.record({ kind: fc.constant('logout' as const), token: logoutToken, repeat: fc.oneof(w(8, fc.constant(false)), w(1, fc.constant(true))), extra: fc.oneof(w(6, fc.constant('')), w(1, fc.constantFrom('&x=1', '&%', '&logout_token', '&logout_token=', '%ZZ'))) })),
	w(1, fc.record({ kind: fc.constant('text' as const), text: fc.oneof(junk, fc.constantFrom('{"logout_token":"x"}', 'logout_token=%E0%80', '--x\r\nContent-Disposition: form-data; name="logout_token"\r\n\r\nabc\r\n--x--')) })),
	w(1, fc.record({ kind: fc.constant('huge' as const), size: fc.constantFrom(16 * 1024, 16 * 1024 + 1, 200_000) })),
	w(1, fc.constant<RequestBody>({ kind: 'none' }))
);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get', 'PROPFIND'];
const method = fc.oneof(w(10, fc.constant<string | null>(null)), w(2, fc.constantFrom<string | null>(...METHODS)));
const headers = fc.array(header, { maxLength: 4 });

function step(kind: StepKind, params: fc.Arbitrary<Param[]>, path: fc.Arbitrary<string> = fc.constant('')): fc.Arbitrary<Step> {
	return fc.record({
		kind: fc.constant(kind),
		method,
		headers,
		params,
		path,
		cookieOps,
		body: requestBody,
		accessToken: fc.boolean(),
		copies: fc.oneof(w(8, fc.constant<1>(1)), w(1, fc.constant<2>(2)))
	});
}

const returnToName = fc.oneof(w(3, nameVariants('returnTo')), w(2, nameVariants('redirectTo')));
const returnToValue: fc.Arbitrary<Value> = fc.oneof(w(3, fc.constantFrom(...REDIRECT_PAYLOADS)), w(1, junk)).map((lit) => ({ lit }));
const returnTo = fc.record({ name: returnToName, value: returnToValue, mangle, enc });

const steps: Record<StepKind, fc.Arbitrary<Step>> = {
	login: step(
		'login',
		query([
			returnTo,
			[param('prompt', fc.constantFrom<Value>({ lit: 'login' }, { lit: 'none' }, { lit: 'select_account consent' })), 0.2],
			[param('login_hint', fc.constant<Value>({ lit: 'ada@example.com' })), 0.2]
		])
	),
	callback: step(
		'callback',
		query([param(nameVariants('code'), sym('code'), 12), param(nameVariants('state'), sym('loginState'), 12), param(nameVariants('iss'), sym('issuer'), 12), [param('error', fc.constantFrom<Value>({ lit: 'access_denied' }, { lit: 'login_required' }, { lit: 'server_error' }, { lit: '__proto__' }), 1), 0.1]])
	),
	logout: step('logout', query([])),
	backchannel: step('backchannel', query([])),
	handoffStart: step('handoffStart', query([returnTo])),
	handoffArrival: step(
		'handoffArrival',
		query([param(nameVariants('handoff_token'), sym('handoffToken'), 12), param(nameVariants('state'), sym('hoaState', 'idpState'), 12), [param('page', fc.constant<Value>({ lit: '2' })), 0.3]]),
		fc.oneof(w(6, fc.constant('/page')), w(2, fc.constantFrom(...PAGE_PATHS)))
	),
	handoffRefusal: step(
		'handoffRefusal',
		query([param('error', fc.constantFrom<Value>({ lit: 'login_required' }, { lit: 'access_denied' }, { lit: 'interaction_required' }, { lit: 'hasOwnProperty' })), param(nameVariants('state'), sym('hoaState')), param('iss', sym('issuer'))])
	),
	page: step('page', query([]), fc.oneof(w(4, fc.constant('/page')), w(2, fc.constantFrom(...PAGE_PATHS))))
};

const anyStep = fc.oneof(...Object.values(steps));

/** Sequences that reach deep paths (a sign-in, a handoff, a logout), or any steps at all. */
const stepSequence: fc.Arbitrary<Step[]> = fc.oneof(
	w(3, fc.tuple(steps.login, steps.callback, fc.option(fc.oneof(steps.page, steps.logout, steps.backchannel), { nil: null })).map(([a, b, c]) => (c ? [a, b, c] : [a, b]))),
	w(3, fc.tuple(fc.option(steps.handoffStart, { nil: null }), steps.handoffArrival, fc.option(fc.oneof(steps.page, steps.handoffArrival, steps.logout), { nil: null })).map((s) => s.filter((x): x is Step => x !== null))),
	w(1, fc.tuple(steps.handoffStart, steps.handoffRefusal)),
	w(2, fc.tuple(fc.oneof(steps.page, steps.backchannel, steps.logout), fc.option(steps.page, { nil: null })).map((s) => s.filter((x): x is Step => x !== null))),
	w(2, fc.array(anyStep, { minLength: 1, maxLength: 4 }))
);

export const caseConfig: fc.Arbitrary<CaseConfig> = fc.record({
	origin: fc.constantFrom('https://app.example' as const, 'http://127.0.0.1:5173' as const),
	mount: fc.oneof(w(4, fc.constant('auth+handoff' as const)), w(2, fc.constant('handoff+auth' as const)), w(1, fc.constantFrom('auth' as const, 'handoff' as const))),
	production: fc.boolean(),
	checkOrigin: fc.boolean(),
	idpInitiated: fc.oneof(w(3, fc.constant('accept' as const)), w(1, fc.constant('reject' as const))),
	sessionConflict: fc.oneof(w(3, fc.constant('reject' as const)), w(1, fc.constant('replace' as const))),
	verifyProtocol: fc.constantFrom('seed-2025' as const, 'authrim-2026' as const),
	fetchUserInfo: fc.boolean(),
	clientSecret: fc.boolean(),
	errorRedirect: fc.constantFrom('default' as const, 'path' as const, 'named' as const, 'fn' as const, 'fn-offsite' as const, 'fn-throws' as const),
	onError: fc.oneof(w(6, fc.constant('record' as const)), w(1, fc.constantFrom('throws' as const, 'rejects' as const, 'none' as const))),
	revokeOnSignOut: fc.boolean(),
	rpInitiatedLogout: fc.boolean()
});

export const initialSession: fc.Arbitrary<InitialSession> = fc.record({
	kind: fc.oneof(w(2, fc.constant('none' as const)), w(3, fc.constant('minted' as const))),
	source: fc.constantFrom('oidc' as const, 'handoff' as const, 'testing' as const),
	user: fc.constantFrom('alice' as const, 'bob' as const),
	tokens: fc.constantFrom('none' as const, 'fresh' as const, 'due' as const, 'due' as const, 'expired' as const),
	refreshToken: fc.boolean(),
	idToken: fc.boolean(),
	family: fc.boolean(),
	idp: fc.constantFrom('none' as const, 'own' as const, 'own' as const, 'other' as const),
	resealDue: fc.boolean(),
	padding: fc.oneof(w(3, fc.constant<0>(0)), w(1, fc.constantFrom<3000 | 6000 | 11000>(3000, 6000, 11000)))
});

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({ config: caseConfig, initial: initialSession, plan: serverPlan, steps: stepSequence });
