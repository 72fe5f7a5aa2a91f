import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { RequestEvent } from '@sveltejs/kit';
import { fakeEvent as sharedFakeEvent } from './fake-event.js';
import type { KitCookies } from './kit-cookies.js';

/**
 * An authorization server in a function: the `fetch` handed to `createAuthHandle({ fetch })` in unit
 * tests. Discovery, JWKS and the token endpoint answer from JavaScript, so a test can make any of them
 * fail in ways a real server will not (HTML bodies, hangs, 5xx) and count every call.
 */
export interface FakeAs {
	readonly issuer: string;
	readonly fetch: typeof fetch;
	readonly calls: { discovery: number; token: number; jwks: number; revocation: number; refresh: number; userinfo: number };
	/** The next token responses; when empty, a valid answer for the request is minted. */
	tokenResponses: ((params: URLSearchParams) => Response | Promise<Response>)[];
	/** Signs a JWT with the server's current key. */
	sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
	/** Replaces the JWKS (key rotation, several keys without kid…). */
	setJwks(keys: JWK[]): void;
	/** Adds a signing key and makes it current (the old one stays in the JWKS unless removed). */
	rotateKey(options?: { withKid?: boolean; dropOld?: boolean }): Promise<void>;
	/** Subject of the tokens it mints. */
	subject: string;
	/** The server's clock (ms since the epoch) for the tokens it mints: set it to the app's injected clock when a test moves time. */
	now: () => number;
	/** Milliseconds to wait before answering the token endpoint. */
	tokenDelayMs: number;
	/** Refresh tokens it issued and which were used (rotation with reuse detection). */
	readonly refreshTokens: Map<string, 'active' | 'used'>;
	/** Tokens revoked at its revocation endpoint (RFC 7009), with their `token_type_hint`, in order. */
	readonly revoked: { token: string; hint: string | null }[];
	/** "Signs the user in": a code for the authorization request (its nonce goes into the ID token). */
	issueCode(authorizationUrl: string): string;
}

export async function createFakeAs(
	options: {
		issuer?: string;
		clientId?: string;
		accessTokenTtl?: number;
		/** Discovery members to change; `undefined` removes one (a server without end_session_endpoint). */
		metadata?: Record<string, unknown>;
		/** The first signing key (kid `k1`), to skip generating one (`generateSigningKey()`). */
		signingKey?: SigningKey;
	} = {}
): Promise<FakeAs> {
	const issuer = options.issuer ?? 'https://as.example';
	const clientId = options.clientId ?? 'app';
	let current: SigningKey = options.signingKey ?? (await generateSigningKey('k1'));
	let jwks: JWK[] = [current.jwk];
	const calls = { discovery: 0, token: 0, jwks: 0, revocation: 0, refresh: 0, userinfo: 0 };
	const refreshTokens = new Map<string, 'active' | 'used'>();
	const codes = new Map<string, { nonce: string | null }>();
	let counter = 0;

	const as: FakeAs = {
		issuer,
		calls,
		tokenResponses: [],
		subject: 'alice',
		now: () => Date.now(),
		tokenDelayMs: 0,
		refreshTokens,
		revoked: [],
		sign: (claims, header = {}) =>
			new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(current.kid ? { kid: current.kid } : {}), ...header }).sign(current.privateKey),
		issueCode(authorizationUrl) {
			const code = `code-${++counter}`;
			codes.set(code, { nonce: new URL(authorizationUrl).searchParams.get('nonce') });
			return code;
		},
		setJwks(keys) {
			jwks = keys;
		},
		async rotateKey({ withKid = true, dropOld = false } = {}) {
			const next = await generateSigningKey(withKid ? `k${++counter + 1}` : undefined);
			jwks = dropOld ? [next.jwk] : [...jwks, next.jwk];
			current = next;
		},
		async fetch(input: RequestInfo | URL, init?: RequestInit) {
			const request = new Request(input, init);
			const url = new URL(request.url);
			if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
			if (url.pathname === '/.well-known/openid-configuration') {
				calls.discovery++;
				const metadata: Record<string, unknown> = {
					issuer,
					authorization_endpoint: `${issuer}/authorize`,
					token_endpoint: `${issuer}/token`,
					jwks_uri: `${issuer}/jwks`,
					userinfo_endpoint: `${issuer}/userinfo`,
					revocation_endpoint: `${issuer}/revoke`,
					end_session_endpoint: `${issuer}/logout`,
					id_token_signing_alg_values_supported: ['RS256'],
					authorization_response_iss_parameter_supported: true,
					code_challenge_methods_supported: ['S256']
				};
				for (const [key, value] of Object.entries(options.metadata ?? {})) {
					if (value === undefined) delete metadata[key];
					else metadata[key] = value;
				}
				return json(metadata);
			}
			if (url.pathname === '/userinfo') {
				calls.userinfo++;
				return json({ sub: as.subject, email: `${as.subject}@example.test` });
			}
			if (url.pathname === '/jwks') {
				calls.jwks++;
				return json({ keys: jwks });
			}
			if (url.pathname === '/revoke') {
				calls.revocation++;
				const params = new URLSearchParams(await request.text());
				as.revoked.push({ token: params.get('token') ?? '', hint: params.get('token_type_hint') });
				return new Response(null, { status: 200 });
			}
			if (url.pathname === '/token') {
				calls.token++;
				const params = new URLSearchParams(await request.text());
				if (params.get('grant_type') === 'refresh_token') calls.refresh++;
				if (as.tokenDelayMs > 0) await abortableSleep(as.tokenDelayMs, init?.signal ?? undefined);
				const next = as.tokenResponses.shift();
				if (next) return next(params);
				return mint(params);
			}
			return new Response('not found', { status: 404 });
		}
	};

	async function mint(params: URLSearchParams): Promise<Response> {
		const now = Math.floor(as.now() / 1000);
		let nonce: string | null = null;
		if (params.get('grant_type') === 'refresh_token') {
			const presented = params.get('refresh_token') ?? '';
			if (refreshTokens.get(presented) !== 'active') return json({ error: 'invalid_grant' }, 400);
			refreshTokens.set(presented, 'used');
		} else {
			const entry = codes.get(params.get('code') ?? '');
			if (!entry) return json({ error: 'invalid_grant' }, 400);
			codes.delete(params.get('code')!);
			nonce = entry.nonce;
		}
		const refreshToken = `rt-${++counter}-${crypto.randomUUID()}`;
		refreshTokens.set(refreshToken, 'active');
		const idToken = await as.sign({
			iss: issuer,
			sub: as.subject,
			aud: clientId,
			iat: now,
			exp: now + 600,
			...(nonce ? { nonce } : {})
		});
		return json({
			access_token: `at-${++counter}`,
			token_type: 'Bearer',
			expires_in: options.accessTokenTtl ?? 60,
			refresh_token: refreshToken,
			id_token: idToken,
			scope: 'openid offline_access'
		});
	}

	return as;
}

/** An RS256 key pair as the fake AS signs with it: the private key, its public JWK and its kid. */
export interface SigningKey {
	readonly privateKey: CryptoKey;
	readonly jwk: JWK;
	readonly kid: string | undefined;
}

export async function generateSigningKey(kid: string | undefined = 'k1'): Promise<SigningKey> {
	const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
	const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', ...(kid ? { kid } : {}) };
	return { privateKey, jwk, kid };
}

export function json(body: unknown, status = 200): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => {
			clearTimeout(timer);
			reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
		});
	});
}

/** A RequestEvent good enough for one handle (the one fake event of tests/support/fake-event.ts). */
export function fakeEvent(url: string, init: RequestInit & { cookie?: string } = {}): { event: RequestEvent; kit: KitCookies } {
	const event = sharedFakeEvent(url, { method: init.method, headers: init.headers, cookie: init.cookie, body: init.body });
	return { event, kit: event.kit };
}
