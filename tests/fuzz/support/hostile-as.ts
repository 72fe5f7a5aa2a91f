// The servers the SDK calls — discovery, JWKS, token, userinfo, revocation and the handoff verify
// endpoint — as one `fetch` whose every answer the fuzzer picks. An answer no plan names is the
// correct one (minted like tests/support/oidc-fake-as.ts does), so a case can be hostile at one call
// and well-behaved everywhere else. Every token it hands out carries a marker (`SECRET-TOKEN-…`) and
// is recorded, so the properties can search the SDK's output for it.
//
// It behaves like a real fetch where the SDK could tell the difference: a request whose signal aborts
// rejects with the signal's reason, and a body still streaming errors with it; a call that carries no
// signal and meets a hanging server never settles, as it would against a real one.
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export type Endpoint = 'discovery' | 'jwks' | 'token' | 'userinfo' | 'revocation' | 'verify';
export const ENDPOINTS: readonly Endpoint[] = ['discovery', 'jwks', 'token', 'userinfo', 'revocation', 'verify'];

/** A JSON value the fuzzer chose, rendered as text so it can be what `JSON.stringify` never writes. */
export type JsonSpec =
	| { readonly t: 'value'; readonly v: unknown }
	| { readonly t: 'raw'; readonly text: string }
	| { readonly t: 'huge'; readonly size: number }
	| { readonly t: 'deep'; readonly depth: number; readonly open: '[' | '{"a":' }
	| { readonly t: 'marker' };

/** One edit of a JSON object's members (kept as an ordered list, so keys may repeat or be `__proto__`). */
export type JsonOp =
	| { readonly op: 'delete'; readonly key: string }
	| { readonly op: 'set'; readonly key: string; readonly value: JsonSpec }
	| { readonly op: 'repeat'; readonly key: string; readonly value: JsonSpec };

export type BodySpec =
	/** The correct body with its members edited (and, for the token endpoint, the ID token's claims and header). */
	| { readonly kind: 'edited'; readonly ops: readonly JsonOp[]; readonly claimOps: readonly JsonOp[]; readonly jwt: JwtFault }
	| { readonly kind: 'json'; readonly value: JsonSpec }
	| { readonly kind: 'text'; readonly text: string }
	| { readonly kind: 'bytes'; readonly bytes: readonly number[] }
	| { readonly kind: 'empty' }
	/** Megabytes: a JSON object with one long member, or plain text. */
	| { readonly kind: 'huge'; readonly size: number; readonly json: boolean };

export type JwtFault = 'none' | 'alg-none' | 'foreign-key' | 'no-kid' | 'unknown-kid' | 'bad-signature' | 'typ-jwt' | 'truncated' | 'hs256';

export type Delivery = 'whole' | 'stall' | 'part-then-stall' | 'part-then-error' | 'null-body';

export type Answer =
	| { readonly kind: 'valid' }
	| {
			readonly kind: 'respond';
			readonly status: number;
			readonly contentType: string | null;
			readonly contentLength: 'none' | 'too-big' | 'too-small' | 'garbage';
			readonly delivery: Delivery;
			readonly body: BodySpec;
			readonly location?: string;
	  }
	/** Never answers; rejects when the request's signal aborts. */
	| { readonly kind: 'hang' }
	/** A network failure, as undici reports one. */
	| { readonly kind: 'network' }
	/** A fetch that throws what no fetch should (an app's own `fetch` option may). */
	| { readonly kind: 'throw'; readonly value: 'string' | 'null' | 'object' };

/** What the fuzzer decides about the servers for one case: the answers of each endpoint, in call order. */
export interface ServerPlan {
	readonly answers: Readonly<Record<Endpoint, readonly Answer[]>>;
	/** The user a correct verify answer names. */
	readonly verifyUser: 'alice' | 'bob';
	/** A correct token/verify answer's `expires_in`. */
	readonly expiresIn: number;
	/** A correct verify answer carries a refresh token. */
	readonly verifyRefresh: boolean;
	/** A correct verify answer's `token_type`: the seed's `Bearer` or Authrim 2026's `DPoP`. */
	readonly verifyTokenType: 'Bearer' | 'DPoP';
}

export interface Keys {
	readonly privateKey: CryptoKey;
	readonly jwk: JWK;
	readonly foreignKey: CryptoKey;
}

let keys: Promise<Keys> | undefined;
/** One RSA key pair for the whole run (generating one per case would dominate the run time). */
export function serverKeys(): Promise<Keys> {
	return (keys ??= (async () => {
		const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
		const foreign = await generateKeyPair('RS256', { extractable: true });
		return { privateKey, jwk: { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'k1' }, foreignKey: foreign.privateKey };
	})());
}

export interface HostileAs {
	readonly issuer: string;
	readonly clientId: string;
	readonly fetch: typeof fetch;
	/** Every token handed out (and every value registered), to search the SDK's output for. */
	readonly secrets: Set<string>;
	/** ID tokens: allowed in one place only, the `id_token_hint` of an RP-initiated logout. */
	readonly idTokens: Set<string>;
	/** `authorization_endpoint` / `end_session_endpoint` values the discovery answers named. */
	readonly advertised: { readonly authorization: Set<string>; readonly endSession: Set<string> };
	/** A discovery answer named an `end_session_endpoint` that is set but is no URL (`/logout`, `[]`, 42). */
	readonly misconfigured: { endSession: boolean };
	/** Endpoints that answered anything but the correct answer at least once. */
	readonly faulted: Set<Endpoint>;
	/** Calls per endpoint, and calls to URLs no endpoint serves. */
	readonly calls: Record<Endpoint | 'unknown', number>;
	/** A fresh marker token, recorded as a secret unless `record` is false. */
	marker(kind: string, record?: boolean): string;
	/** "Signs the user in": a code bound to the nonce of an authorization URL. */
	issueCode(authorizationUrl: URL): string;
	/** Makes a refresh token the server will honour (one placed in a minted session cookie). */
	acceptRefreshToken(token: string): void;
	/** Signs a JWT (claims as an object, or as JSON text) with the server's key, or a fault of it. */
	sign(claims: Record<string, unknown> | string, fault?: JwtFault, typ?: string): Promise<string>;
	/** The JSON text of `claims` with the fuzzer's edits applied (keys may repeat or be `__proto__`). */
	edit(claims: Record<string, unknown>, ops: readonly JsonOp[]): string;
}

export function createHostileAs(options: { issuer: string; clientId: string; caseId: number; plan: ServerPlan; keys: Keys; clock: () => number }): HostileAs {
	const { issuer, clientId, caseId, plan, clock } = options;
	const queues = Object.fromEntries(ENDPOINTS.map((e) => [e, [...plan.answers[e]]])) as Record<Endpoint, Answer[]>;
	const secrets = new Set<string>();
	const idTokens = new Set<string>();
	const advertised = { authorization: new Set<string>(), endSession: new Set<string>() };
	const faulted = new Set<Endpoint>();
	const misconfigured = { endSession: false };
	const calls: Record<Endpoint | 'unknown', number> = { discovery: 0, jwks: 0, token: 0, userinfo: 0, revocation: 0, verify: 0, unknown: 0 };
	const codes = new Map<string, string | null>();
	const refreshTokens = new Map<string, 'active' | 'used'>();
	let counter = 0;
	const base = issuer.replace(/\/$/, '');

	const marker = (kind: string, record = true) => {
		// Fixed width, so a case replayed alone (another case number) builds cookies of the same sizes.
		const value = `SECRET-TOKEN-${String(caseId).padStart(8, '0')}-${String(++counter).padStart(3, '0')}-${kind}`;
		if (record) secrets.add(value);
		return value;
	};

	/**
	 * Signs a JWT over the claims' JSON text as given (it may nest deeper than JSON.stringify goes,
	 * or repeat a key), with the server's key or one of the faults.
	 */
	async function sign(claims: Record<string, unknown> | string, fault: JwtFault = 'none', typ?: string): Promise<string> {
		const k = options.keys;
		const b64 = (text: string) => Buffer.from(text).toString('base64url');
		const header: Record<string, unknown> = { alg: 'RS256', kid: 'k1', ...(typ ? { typ } : {}) };
		if (fault === 'no-kid') delete header.kid;
		if (fault === 'unknown-kid') header.kid = 'k9';
		if (fault === 'typ-jwt') header.typ = 'JWT';
		if (fault === 'alg-none') header.alg = 'none';
		if (fault === 'hs256') header.alg = 'HS256';
		const input = `${b64(JSON.stringify(header))}.${b64(typeof claims === 'string' ? claims : JSON.stringify(claims))}`;
		const data = new TextEncoder().encode(input);
		let signature = new Uint8Array();
		if (fault === 'hs256') {
			// Key confusion: the public key's JSON as an HMAC secret.
			const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(JSON.stringify(k.jwk)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
			signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
		} else if (fault !== 'alg-none') {
			signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', fault === 'foreign-key' ? k.foreignKey : k.privateKey, data));
		}
		let jwt = `${input}.${Buffer.from(signature).toString('base64url')}`;
		if (fault === 'bad-signature') jwt = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
		if (fault === 'truncated') jwt = jwt.slice(0, Math.floor(jwt.length / 2));
		return jwt;
	}

	function route(url: URL): Endpoint | 'unknown' {
		const path = url.pathname;
		if (path.endsWith('/.well-known/openid-configuration')) return 'discovery';
		if (path.endsWith('/jwks')) return 'jwks';
		if (path.endsWith('/token')) return 'token';
		if (path.endsWith('/userinfo')) return 'userinfo';
		if (path.endsWith('/revoke')) return 'revocation';
		if (path.endsWith('/handoff/verify')) return 'verify';
		return 'unknown';
	}

	/** The correct answer's members, in order; `claims` for the ID token when there is one. */
	async function correct(endpoint: Endpoint, form: URLSearchParams): Promise<{ status: number; members: [string, unknown][] | null; claims?: Record<string, unknown> }> {
		const now = Math.floor(clock() / 1000);
		switch (endpoint) {
			case 'discovery':
				return {
					status: 200,
					members: [
						['issuer', issuer],
						['authorization_endpoint', `${base}/authorize`],
						['token_endpoint', `${base}/token`],
						['jwks_uri', `${base}/jwks`],
						['revocation_endpoint', `${base}/revoke`],
						['end_session_endpoint', `${base}/logout`],
						['userinfo_endpoint', `${base}/userinfo`],
						['id_token_signing_alg_values_supported', ['RS256']],
						['authorization_response_iss_parameter_supported', true],
						['code_challenge_methods_supported', ['S256']]
					]
				};
			case 'jwks':
				return { status: 200, members: [['keys', [options.keys.jwk]]] };
			case 'revocation':
				return { status: 200, members: null };
			case 'userinfo':
				return { status: 200, members: [['sub', 'alice'], ['name', 'Alice'], ['email', 'alice@example.com']] };
			case 'verify':
				return {
					status: 200,
					members: [
						['token_type', plan.verifyTokenType],
						['access_token', marker('verify-at')],
						['expires_in', plan.expiresIn],
						...(plan.verifyRefresh ? [['refresh_token', acceptNew(marker('verify-rt'))] as [string, unknown]] : []),
						['user', { id: plan.verifyUser, name: plan.verifyUser === 'alice' ? 'Alice' : 'Bob', email: `${plan.verifyUser}@example.com` }],
						['session', { id: 'sid-1' }],
						['carry_over_state', { tab: 'inbox' }]
					]
				};
			case 'token': {
				let nonce: string | null = null;
				if (form.get('grant_type') === 'refresh_token') {
					const presented = form.get('refresh_token') ?? '';
					if (refreshTokens.get(presented) !== 'active') return { status: 400, members: [['error', 'invalid_grant']] };
					refreshTokens.set(presented, 'used');
				} else {
					const code = form.get('code') ?? '';
					if (!codes.has(code)) return { status: 400, members: [['error', 'invalid_grant']] };
					nonce = codes.get(code) ?? null;
					codes.delete(code);
				}
				const claims: Record<string, unknown> = { iss: issuer, sub: 'alice', aud: clientId, iat: now, exp: now + 600, sid: 'sid-1', ...(nonce ? { nonce } : {}) };
				return {
					status: 200,
					claims,
					members: [
						['access_token', marker('at')],
						['token_type', 'Bearer'],
						['expires_in', plan.expiresIn],
						['refresh_token', acceptNew(marker('rt'))],
						['id_token', null],
						['scope', 'openid offline_access']
					]
				};
			}
		}
	}

	function acceptNew(token: string): string {
		refreshTokens.set(token, 'active');
		return token;
	}

	// A marker in a member the SDK knows as a token (or one it promises never to reflect) is a secret;
	// in `error` it is the server's error code, which the SDK may log (sanitized): not a marker there.
	const SECRET_MEMBERS = new Set(['access_token', 'refresh_token', 'id_token', 'error_description', 'handoff_token']);

	function renderSpec(spec: JsonSpec, key = ''): string {
		switch (spec.t) {
			case 'value':
				return JSON.stringify(spec.v) ?? 'null';
			case 'raw':
				return spec.text;
			case 'huge':
				return JSON.stringify('x'.repeat(spec.size));
			case 'deep':
				return spec.open.repeat(spec.depth) + '1' + (spec.open === '[' ? ']' : '}').repeat(spec.depth);
			case 'marker':
				return JSON.stringify(SECRET_MEMBERS.has(key) ? marker('edited') : 'not-a-token');
		}
	}

	function renderMembers(members: readonly (readonly [string, string])[]): string {
		return `{${members.map(([k, text]) => `${JSON.stringify(k)}:${text}`).join(',')}}`;
	}

	function applyOps(members: [string, string][], ops: readonly JsonOp[]): [string, string][] {
		let out = members;
		for (const op of ops) {
			if (op.op === 'delete') out = out.filter(([k]) => k !== op.key);
			else if (op.op === 'repeat') out = [...out, [op.key, renderSpec(op.value, op.key)]];
			else {
				const text = renderSpec(op.value, op.key);
				const index = out.findIndex(([k]) => k === op.key);
				out = index === -1 ? [...out, [op.key, text]] : out.map((m, i) => (i === index ? [op.key, text] : m));
			}
		}
		return out;
	}

	async function body(endpoint: Endpoint, spec: BodySpec, form: URLSearchParams): Promise<{ bytes: Uint8Array | null; status?: number }> {
		if (spec.kind === 'empty') return { bytes: new Uint8Array() };
		if (spec.kind === 'text') return { bytes: new TextEncoder().encode(spec.text) };
		if (spec.kind === 'bytes') return { bytes: Uint8Array.from(spec.bytes) };
		if (spec.kind === 'json') return { bytes: new TextEncoder().encode(renderSpec(spec.value)) };
		if (spec.kind === 'huge') return { bytes: new TextEncoder().encode(spec.json ? `{"access_token":"${'a'.repeat(spec.size)}"}` : 'x'.repeat(spec.size)) };
		const answer = await correct(endpoint, form);
		if (answer.members === null) return { bytes: new Uint8Array(), status: answer.status };
		let members: [string, string][] = answer.members.map(([k, v]) => [k, JSON.stringify(v)]);
		if (answer.claims) {
			// The ID token's claims take the same edits as the body's members, then it is signed.
			const idToken = await sign(edit(answer.claims, spec.claimOps), spec.jwt);
			idTokens.add(idToken);
			secrets.add(idToken);
			members = members.map(([k, v]) => (k === 'id_token' ? [k, JSON.stringify(idToken)] : [k, v]));
		}
		return { bytes: new TextEncoder().encode(renderMembers(applyOps(members, spec.ops))), status: answer.status };
	}

	function edit(claims: Record<string, unknown>, ops: readonly JsonOp[]): string {
		return renderMembers(applyOps(Object.entries(claims).map(([k, v]) => [k, JSON.stringify(v)]), ops));
	}

	function recordAdvertised(text: string) {
		try {
			const doc = JSON.parse(text) as Record<string, unknown>;
			if (typeof doc?.authorization_endpoint === 'string') advertised.authorization.add(doc.authorization_endpoint);
			if (typeof doc?.end_session_endpoint === 'string') advertised.endSession.add(doc.end_session_endpoint);
			if (doc?.end_session_endpoint) {
				try {
					new URL(doc.end_session_endpoint as string);
				} catch {
					misconfigured.endSession = true;
				}
			}
		} catch {
			// not JSON: names nothing
		}
	}

	function stream(bytes: Uint8Array | null, delivery: Delivery, signal: AbortSignal | undefined): ReadableStream<Uint8Array> | null {
		if (delivery === 'null-body' || bytes === null) return null;
		return new ReadableStream<Uint8Array>({
			start(controller) {
				const half = bytes.subarray(0, Math.floor(bytes.length / 2));
				if (delivery === 'whole') {
					if (bytes.length > 0) controller.enqueue(bytes);
					controller.close();
					return;
				}
				if (delivery !== 'stall' && half.length > 0) controller.enqueue(half);
				if (delivery === 'part-then-error') {
					controller.error(new TypeError('terminated'));
					return;
				}
				// A body that never ends: only the request's signal ends it, as with undici.
				signal?.addEventListener('abort', () => {
					try {
						controller.error(signal.reason);
					} catch {
						// already closed or errored
					}
				});
			}
		});
	}

	async function answerWith(endpoint: Endpoint, answer: Answer, request: Request, form: URLSearchParams, signal: AbortSignal | undefined): Promise<Response> {
		if (answer.kind === 'valid') {
			const { bytes, status } = await body(endpoint, { kind: 'edited', ops: [], claimOps: [], jwt: 'none' }, form);
			const text = new TextDecoder().decode(bytes ?? new Uint8Array());
			if (endpoint === 'discovery') recordAdvertised(text);
			const type = endpoint === 'jwks' ? 'application/jwk-set+json' : 'application/json';
			return new Response(text === '' ? null : text, { status: status ?? 200, headers: text === '' ? {} : { 'content-type': type } });
		}
		faulted.add(endpoint);
		if (answer.kind === 'hang') {
			return new Promise<Response>((_, reject) => {
				if (!signal) return; // no deadline: as against a real server that never answers
				if (signal.aborted) reject(signal.reason);
				signal.addEventListener('abort', () => reject(signal.reason));
			});
		}
		if (answer.kind === 'network') throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }) });
		if (answer.kind === 'throw') throw answer.value === 'string' ? 'boom' : answer.value === 'null' ? null : { message: 'not an error' };
		const rendered = await body(endpoint, answer.body, form);
		const bytes = rendered.bytes;
		if (endpoint === 'discovery' && bytes) recordAdvertised(new TextDecoder().decode(bytes));
		const headers = new Headers();
		if (answer.contentType !== null) headers.set('content-type', answer.contentType);
		const length = bytes?.length ?? 0;
		if (answer.contentLength === 'too-big') headers.set('content-length', String(length + 1_000_000));
		if (answer.contentLength === 'too-small') headers.set('content-length', String(Math.max(0, length - 1)));
		if (answer.contentLength === 'garbage') headers.set('content-length', '12abc');
		if (answer.location !== undefined) headers.set('location', answer.location);
		const nullStatus = [204, 205, 304].includes(answer.status);
		const constructible = answer.status >= 200 && answer.status <= 599;
		const response = new Response(nullStatus ? null : stream(bytes, answer.delivery, signal), { status: constructible ? answer.status : 200, headers });
		if (!constructible) {
			// fetch never hands out a 1xx final answer, but an app's own fetch might: the SDK reads what it gets.
			Object.defineProperty(response, 'status', { value: answer.status });
			Object.defineProperty(response, 'ok', { value: false });
		}
		return response;
	}

	const as: HostileAs = {
		issuer,
		clientId,
		secrets,
		idTokens,
		advertised,
		misconfigured,
		faulted,
		calls,
		marker,
		sign,
		edit,
		issueCode(authorizationUrl) {
			const code = `code-${String(caseId).padStart(8, '0')}-${String(++counter).padStart(3, '0')}`;
			codes.set(code, authorizationUrl.searchParams.get('nonce'));
			return code;
		},
		acceptRefreshToken(token) {
			refreshTokens.set(token, 'active');
		},
		async fetch(input: RequestInfo | URL, init?: RequestInit) {
			const request = new Request(input, init);
			const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
			if (signal?.aborted) throw signal.reason;
			const url = new URL(request.url);
			const endpoint = route(url);
			calls[endpoint]++;
			if (endpoint === 'unknown') return new Response('not found', { status: 404 });
			const form = endpoint === 'token' ? new URLSearchParams(await request.text()) : new URLSearchParams();
			const answer = queues[endpoint].shift() ?? { kind: 'valid' };
			return answerWith(endpoint, answer, request, form, signal ?? undefined);
		}
	};
	return as;
}
