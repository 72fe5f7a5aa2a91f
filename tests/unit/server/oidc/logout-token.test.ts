import { describe, expect, it } from 'vitest';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import { AuthError, type AuthErrorCode } from '../../../../src/lib/errors.js';
import { createLogoutTokenVerifier, type LogoutTokenVerifierDeps } from '../../../../src/lib/server/oidc/logout-token.js';
import { createFakeAs, type FakeAs } from '../../../support/oidc-fake-as.js';

const CLIENT = 'app';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;

// One fake authorization server (one RSA key) for the tests that leave its keys alone; a test that
// rotates or replaces keys asks for its own with `fresh`. Every test gets its own verifier (own JWKS cache).
let shared: Promise<FakeAs> | undefined;

async function setup(
	overrides: Partial<LogoutTokenVerifierDeps> & { metadata?: Partial<oauth.AuthorizationServer>; fresh?: boolean } = {}
) {
	const { metadata, fresh, ...deps } = overrides;
	const as = await (fresh ? createFakeAs({ clientId: CLIENT }) : (shared ??= createFakeAs({ clientId: CLIENT })));
	const server: oauth.AuthorizationServer = {
		issuer: as.issuer,
		jwks_uri: `${as.issuer}/jwks`,
		id_token_signing_alg_values_supported: ['RS256'],
		...metadata
	};
	const clock = { now: NOW_MS };
	const verify = createLogoutTokenVerifier({
		clientId: CLIENT,
		clock: () => clock.now,
		discovery: { get: async () => server },
		fetch: as.fetch,
		timeoutMs: 5_000,
		...deps
	});
	return { as, verify, clock };
}

function claims(overrides: Record<string, unknown> = {}): JWTPayload {
	const base: JWTPayload = {
		iss: 'https://as.example',
		aud: CLIENT,
		iat: NOW,
		jti: 'jti-1',
		events: { [EVENT]: {} },
		sid: 'as-sid-1'
	};
	for (const [name, value] of Object.entries(overrides)) {
		if (value === undefined) delete base[name];
		else base[name] = value;
	}
	return base;
}

const logoutToken = (as: FakeAs, overrides: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'logout+jwt' }) =>
	as.sign(claims(overrides), header);

const protectedHeader = (token: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0])));

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
	const error = await promise.then(
		() => {
			throw new Error('expected the logout token to be refused');
		},
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(AuthError);
	return error as AuthError;
}

async function expectRefused(promise: Promise<unknown>, code: AuthErrorCode = 'invalid_token', message?: RegExp) {
	const error = await refusal(promise);
	expect(error.code).toBe(code);
	if (message) expect(error.message).toMatch(message);
}

describe('createLogoutTokenVerifier', () => {
	describe('valid tokens', () => {
		it('returns the claims of a token naming a session', async () => {
			const { as, verify } = await setup();
			expect(await verify(await logoutToken(as))).toEqual({ iss: as.issuer, jti: 'jti-1', iat: NOW, sid: 'as-sid-1' });
		});

		it('returns the claims of a token naming a subject only', async () => {
			const { as, verify } = await setup();
			expect(await verify(await logoutToken(as, { sid: undefined, sub: 'alice' }))).toEqual({ iss: as.issuer, jti: 'jti-1', iat: NOW, sub: 'alice' });
		});

		it('returns both sid and sub when the token names both', async () => {
			const { as, verify } = await setup();
			const result = await verify(await logoutToken(as, { sub: 'alice' }));
			expect(result).toMatchObject({ sid: 'as-sid-1', sub: 'alice' });
		});

		it('accepts aud as a one-element array naming this client, and an exp in the future', async () => {
			const { as, verify } = await setup();
			expect((await verify(await logoutToken(as, { aud: [CLIENT], exp: NOW + 120 }))).jti).toBe('jti-1');
		});

		it('accepts a token issued nine minutes ago', async () => {
			const { as, verify } = await setup();
			expect((await verify(await logoutToken(as, { iat: NOW - 9 * 60 }))).iat).toBe(NOW - 540);
		});

		it('works with metadata discovered through oauth4webapi and fetches the JWKS once for several tokens', async () => {
			const as = await createFakeAs({ clientId: CLIENT });
			const issuer = new URL(as.issuer);
			const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.customFetch]: as.fetch }));
			const verify = createLogoutTokenVerifier({ clientId: CLIENT, clock: () => NOW_MS, discovery: { get: async () => metadata }, fetch: as.fetch, timeoutMs: 5_000 });
			expect((await verify(await logoutToken(as))).sid).toBe('as-sid-1');
			expect((await verify(await logoutToken(as, { jti: 'jti-2' }))).jti).toBe('jti-2');
			expect(as.calls.jwks).toBe(1);
		});
	});

	describe('typ', () => {
		it('accepts typ logout+jwt and application/logout+jwt in any case', async () => {
			const { as, verify } = await setup();
			for (const typ of ['logout+jwt', 'application/logout+jwt', 'Logout+JWT']) {
				expect((await verify(await logoutToken(as, {}, { typ }))).sid).toBe('as-sid-1');
			}
		});

		it('accepts an untyped token', async () => {
			const { as, verify } = await setup();
			expect((await verify(await logoutToken(as, {}, {}))).sid).toBe('as-sid-1');
		});

		it('accepts typ JWT, which many providers still send, and still refuses an ID token typed JWT (X11)', async () => {
			const { as, verify } = await setup();
			for (const typ of ['JWT', 'jwt']) await expect(verify(await logoutToken(as, {}, { typ }))).resolves.toMatchObject({ iss: as.issuer });
			// An ID token is typed JWT too: no events claim, a nonce.
			await expectRefused(verify(await logoutToken(as, { events: undefined, nonce: 'n' }, { typ: 'JWT' })), 'invalid_token', /events|nonce/);
		});

		it('refuses an access token (typ at+jwt) and other explicit types', async () => {
			const { as, verify } = await setup();
			for (const typ of ['at+jwt', 'application/at+jwt', 'secevent+jwt', 'logout+jwt+x']) {
				await expectRefused(verify(await logoutToken(as, {}, { typ })), 'invalid_token', /typ/);
			}
		});
	});

	describe('issuer and audience', () => {
		it('refuses a token from another issuer', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { iss: 'https://evil.example' })), 'invalid_token', /iss/);
		});

		it('refuses a token for another client', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { aud: 'other-app' })), 'invalid_token', /aud/);
			await expectRefused(verify(await logoutToken(as, { aud: ['other-app'] })), 'invalid_token', /aud/);
		});

		it('refuses a token whose audience names this client and another one', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { aud: [CLIENT, 'other-app'] })), 'invalid_token', /audiences/);
		});
	});

	describe('required claims and times', () => {
		it('refuses a token without jti, iat, iss or aud', async () => {
			const { as, verify } = await setup();
			for (const claim of ['jti', 'iat', 'iss', 'aud']) {
				await expectRefused(verify(await logoutToken(as, { [claim]: undefined })), 'invalid_token', new RegExp(claim));
			}
		});

		it('refuses a malformed jti', async () => {
			const { as, verify } = await setup();
			for (const jti of ['', 42, 'j'.repeat(513)]) await expectRefused(verify(await logoutToken(as, { jti })), 'invalid_token', /jti/);
		});

		it('refuses a token issued more than ten minutes ago (plus the 60 s leeway)', async () => {
			const { as, verify, clock } = await setup();
			const token = await logoutToken(as);
			expect((await verify(token)).jti).toBe('jti-1');
			clock.now = NOW_MS + 11 * 60 * 1000 + 1000;
			await expectRefused(verify(token), 'invalid_token', /iat/);
		});

		it('refuses a token issued in the future beyond the leeway', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { iat: NOW + 120 })), 'invalid_token', /iat/);
		});

		it('refuses a token whose exp has passed', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { iat: NOW - 300, exp: NOW - 120 })), 'invalid_token', /exp/);
		});
	});

	describe('events, nonce, sid and sub', () => {
		it('refuses a token without events', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { events: undefined })), 'invalid_token', /events/);
		});

		it('refuses events that are not an object with the back-channel logout member', async () => {
			const { as, verify } = await setup();
			for (const events of [
				{},
				{ 'http://schemas.openid.net/event/other': {} },
				[EVENT],
				EVENT,
				{ [EVENT]: [] },
				{ [EVENT]: 'yes' },
				{ [EVENT]: null }
			]) {
				await expectRefused(verify(await logoutToken(as, { events })), 'invalid_token', /events/);
			}
		});

		it('refuses a token carrying a nonce (an ID token is not a logout token)', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { nonce: 'n-1' })), 'invalid_token', /nonce/);
		});

		it('refuses a token naming neither sid nor sub', async () => {
			const { as, verify } = await setup();
			await expectRefused(verify(await logoutToken(as, { sid: undefined })), 'invalid_token', /neither/);
		});

		it('refuses an empty or non-string sid or sub', async () => {
			const { as, verify } = await setup();
			for (const value of ['', 7, { id: 'x' }]) {
				await expectRefused(verify(await logoutToken(as, { sid: value })), 'invalid_token', /sid/);
				await expectRefused(verify(await logoutToken(as, { sid: undefined, sub: value })), 'invalid_token', /sub/);
			}
		});
	});

	describe('signature and keys', () => {
		it('refuses alg none, even when the metadata lists it', async () => {
			const { as, verify } = await setup({ metadata: { id_token_signing_alg_values_supported: ['none', 'RS256'] } });
			const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
			const unsigned = `${encode({ alg: 'none', typ: 'logout+jwt' })}.${encode(claims())}.`;
			const fetched = as.calls.jwks;
			await expectRefused(verify(unsigned), 'invalid_token');
			expect(as.calls.jwks).toBe(fetched);
		});

		it('refuses an algorithm the issuer does not advertise', async () => {
			const { as, verify } = await setup({ metadata: { id_token_signing_alg_values_supported: ['ES256'] } });
			await expectRefused(verify(await logoutToken(as)), 'invalid_token', /alg/);
			const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'logout+jwt' }).sign(new TextEncoder().encode('x'.repeat(32)));
			await expectRefused(verify(hs), 'invalid_token', /alg/);
		});

		it('refuses a token signed by another key, under the issuer key id or an unknown one', async () => {
			const { verify } = await setup();
			const { privateKey } = await generateKeyPair('RS256');
			for (const kid of ['k1', 'k-unknown']) {
				const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' }).sign(privateKey);
				await expectRefused(verify(forged), 'invalid_token');
			}
		});

		it('refuses a token without kid when several keys without kid match', async () => {
			const { as, verify } = await setup({ fresh: true });
			const { keys } = (await (await as.fetch(`${as.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
			const withoutKid = keys.map(({ kid: _kid, ...key }) => key);
			const other = { ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)), alg: 'RS256', use: 'sig' };
			as.setJwks([...withoutKid, other] as never);
			const token = await logoutToken(as, {}, { typ: 'logout+jwt', kid: undefined });
			expect(protectedHeader(token)).not.toHaveProperty('kid');
			await expectRefused(verify(token), 'invalid_token', /multiple keys/);
		});

		it('accepts a token without kid when exactly one key matches', async () => {
			const { as, verify } = await setup();
			const token = await logoutToken(as, {}, { typ: 'logout+jwt', kid: undefined });
			expect(protectedHeader(token)).not.toHaveProperty('kid');
			expect((await verify(token)).sid).toBe('as-sid-1');
		});
	});

	describe('JWKS outages and metadata', () => {
		it('reports network_error when the JWKS cannot be fetched', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			const { verify } = await setup({
				fetch: async () => {
					throw new TypeError('fetch failed');
				}
			});
			await expectRefused(verify(token), 'network_error', /JWKS/);
		});

		it('reports timeout when the JWKS does not answer in time', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			const hanging: typeof fetch = (_input, init) =>
				new Promise((_resolve, reject) => {
					init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
				});
			const { verify } = await setup({ fetch: hanging, timeoutMs: 20 });
			await expectRefused(verify(token), 'timeout');
		});

		/** The fake AS, except that its JWKS endpoint answers with `jwks()`. */
		function unhealthyJwks(as: FakeAs, jwks: (init?: RequestInit) => Response | Promise<Response>): typeof fetch {
			return async (input, init) => (new URL(new Request(input).url).pathname === '/jwks' ? jwks(init) : as.fetch(input, init));
		}

		it('reports network_error, not invalid_token, when the JWKS endpoint answers 5xx or another status than 200 (the server retries)', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			for (const status of [500, 502, 503, 404, 302]) {
				const { verify } = await setup({
					fetch: unhealthyJwks(as, () => new Response(status === 302 ? null : '<html>down</html>', { status, headers: status === 302 ? { location: '/elsewhere' } : { 'content-type': 'text/html' } }))
				});
				await expectRefused(verify(token), 'network_error', /JWKS/);
			}
		});

		it('reports network_error when the JWKS body is not JSON, or JSON that is not a key set', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			for (const body of ['<html>maintenance</html>', '{"keys":', '{"keys":"none"}', '[]']) {
				const { verify } = await setup({ fetch: unhealthyJwks(as, () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })) });
				await expectRefused(verify(token), 'network_error', /JWKS/);
			}
		});

		it('reports network_error when the fetch of the JWKS throws a plain Error', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			const { verify } = await setup({
				fetch: unhealthyJwks(as, () => {
					throw new Error('socket hang up');
				})
			});
			await expectRefused(verify(token), 'network_error', /JWKS/);
		});

		it('reports timeout when the JWKS body never ends', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			const stalled = (init?: RequestInit) =>
				new Response(
					new ReadableStream({
						start(controller) {
							controller.enqueue(new TextEncoder().encode('{"keys":['));
							init?.signal?.addEventListener('abort', () => controller.error(init.signal!.reason));
						}
					}),
					{ status: 200, headers: { 'content-type': 'application/json' } }
				);
			const { verify } = await setup({ fetch: unhealthyJwks(as, stalled), timeoutMs: 20 });
			await expectRefused(verify(token), 'timeout');
		});

		it('verifies the same token once the JWKS is healthy again (a failed fetch is not cached)', async () => {
			const { as } = await setup();
			const token = await logoutToken(as);
			let down = true;
			const { verify } = await setup({ fetch: unhealthyJwks(as, (init) => (down ? new Response('busy', { status: 503 }) : as.fetch(`${as.issuer}/jwks`, init))) });
			await expectRefused(verify(token), 'network_error');
			down = false;
			expect((await verify(token)).sid).toBe('as-sid-1');
		});

		it('keeps the token\'s own failures invalid_token while the JWKS is healthy: an unknown kid, an algorithm no key set holds', async () => {
			const { as, verify } = await setup({ metadata: { id_token_signing_alg_values_supported: ['RS256', 'HS256'] } });
			const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'logout+jwt' }).sign(new TextEncoder().encode('x'.repeat(32)));
			await expectRefused(verify(hs), 'invalid_token');
			const { privateKey } = await generateKeyPair('RS256');
			const unknownKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k-unknown', typ: 'logout+jwt' }).sign(privateKey);
			await expectRefused(verify(unknownKid), 'invalid_token');
			// control: the issuer's own token verifies with the same verifier
			expect((await verify(await logoutToken(as))).sid).toBe('as-sid-1');
		});

		it('refuses with invalid_response when the issuer has no jwks_uri', async () => {
			const { as, verify } = await setup({ metadata: { jwks_uri: undefined } });
			await expectRefused(verify(await logoutToken(as)), 'invalid_response', /jwks_uri/);
		});
	});
});
