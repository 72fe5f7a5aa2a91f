import { describe, expect, it } from 'vitest';
import { createDpopNonceMemory } from '../../../../src/lib/crypto/dpop/dpop-nonce-memory.js';
import { AuthError } from '../../../../src/lib/errors.js';
import { callVerifyEndpoint } from '../../../../src/lib/server/handoff/verify-call.js';
import { parseVerifyResponse } from '../../../../src/lib/server/handoff/verify-response.js';

const CLIENT = 'app';
const ACCESS = 'at-SECRET-access-token-value-0001';
const REFRESH = 'rt-SECRET-refresh-token-value-0001';

/** A minimal grant as a verify endpoint answers it (no client_id / aud, as Authrim sends it). */
function grant(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		token_type: 'Bearer',
		access_token: ACCESS,
		expires_in: 3600,
		user: { id: 'u1' },
		session: { id: 'as-sid-1' },
		...overrides
	};
}

/** Runs the parser and returns the AuthError it throws (fails the test when it does not throw one). */
function refusal(body: unknown, clientId = CLIENT): AuthError {
	try {
		parseVerifyResponse(body, clientId);
	} catch (error) {
		expect(error).toBeInstanceOf(AuthError);
		return error as AuthError;
	}
	throw new Error('expected parseVerifyResponse to throw');
}

function expectRefused(body: unknown, message?: RegExp) {
	const error = refusal(body);
	expect(error.code).toBe('invalid_response');
	if (message) expect(error.message).toMatch(message);
}

describe('parseVerifyResponse', () => {
	it('reduces a minimal valid grant to the verified handoff shape', () => {
		expect(parseVerifyResponse(grant(), CLIENT)).toEqual({
			tokenType: 'Bearer',
			accessToken: ACCESS,
			expiresIn: 3600,
			user: { id: 'u1' },
			session: { id: 'as-sid-1' },
			carryOverState: null
		});
	});

	it('keeps the refresh token, profile fields and carry-over state of a full grant', () => {
		const result = parseVerifyResponse(
			grant({ refresh_token: REFRESH, user: { id: 'u1', email: 'ada@example.com', name: 'Ada' }, carry_over_state: { cart: [1, 2] } }),
			CLIENT
		);
		expect(result.refreshToken).toBe(REFRESH);
		expect(result.user).toEqual({ id: 'u1', email: 'ada@example.com', name: 'Ada' });
		expect(result.carryOverState).toEqual({ cart: [1, 2] });
	});

	it('keeps an IPSIE session_expiry (seconds) as the session cap in ms, and refuses a malformed one', () => {
		expect(parseVerifyResponse(grant({ session_expiry: 1_900_000_000 }), CLIENT).sessionExpiresAt).toBe(1_900_000_000_000);
		expect(parseVerifyResponse(grant(), CLIENT).sessionExpiresAt).toBeUndefined();
		for (const bad of ['1900000000', -1, 0, null]) {
			expect(refusal(grant({ session_expiry: bad })).message).toMatch(/"session_expiry"/);
		}
	});

	it('refuses a body that is not a JSON object', () => {
		for (const body of [null, 'grant', 42, [grant()]]) expectRefused(body, /not a JSON object/);
	});

	describe('client binding', () => {
		it('accepts a grant naming this client in client_id and aud (string and one-element array)', () => {
			expect(parseVerifyResponse(grant({ client_id: CLIENT, aud: CLIENT }), CLIENT).accessToken).toBe(ACCESS);
			expect(parseVerifyResponse(grant({ client_id: [CLIENT], aud: [CLIENT] }), CLIENT).accessToken).toBe(ACCESS);
		});

		it('accepts a grant without client_id or aud (Authrim sends neither)', () => {
			const body = grant();
			expect('client_id' in body || 'aud' in body).toBe(false);
			expect(parseVerifyResponse(body, CLIENT).user.id).toBe('u1');
		});

		it('refuses a grant minted for another client in client_id', () => {
			expectRefused(grant({ client_id: 'other-app' }), /"client_id"/);
			expectRefused(grant({ client_id: ['other-app'] }), /"client_id"/);
		});

		it('refuses a grant minted for another client in aud', () => {
			expectRefused(grant({ aud: 'other-app' }), /"aud"/);
			expectRefused(grant({ aud: ['other-app'] }), /"aud"/);
		});

		it('refuses a grant whose audience names this client and another one', () => {
			expectRefused(grant({ aud: [CLIENT, 'other-app'] }), /"aud"/);
			expectRefused(grant({ client_id: ['other-app', CLIENT] }), /"client_id"/);
		});

		it('refuses a grant with an empty audience array or a null client_id', () => {
			expectRefused(grant({ aud: [] }), /"aud"/);
			expectRefused(grant({ client_id: null }), /"client_id"/);
		});

		it('refuses a grant for this client when client_id agrees but aud names another client', () => {
			expectRefused(grant({ client_id: CLIENT, aud: 'other-app' }), /"aud"/);
		});
	});

	describe('token_type', () => {
		it('accepts Bearer in any case and normalises it', () => {
			for (const tokenType of ['bearer', 'BEARER', 'Bearer']) {
				expect(parseVerifyResponse(grant({ token_type: tokenType }), CLIENT).tokenType).toBe('Bearer');
			}
		});

		it('refuses a token type other than Bearer, or none', () => {
			for (const tokenType of ['DPoP', 'mac', '', undefined, 1]) expectRefused(grant({ token_type: tokenType }), /Bearer/);
		});
	});

	describe('access_token', () => {
		it('refuses a missing, empty, non-string or oversized access token', () => {
			for (const accessToken of [undefined, '', null, 123, 'a'.repeat(16_385)]) {
				expectRefused(grant({ access_token: accessToken }), /"access_token"/);
			}
		});
	});

	describe('expires_in', () => {
		it('accepts a positive lifetime up to a year', () => {
			expect(parseVerifyResponse(grant({ expires_in: 1 }), CLIENT).expiresIn).toBe(1);
			expect(parseVerifyResponse(grant({ expires_in: 365 * 24 * 60 * 60 }), CLIENT).expiresIn).toBe(31_536_000);
		});

		it('refuses a lifetime that is missing, zero, negative, not a finite number, over a year or a string', () => {
			for (const expiresIn of [undefined, null, 0, -1, Number.NaN, Infinity, 365 * 24 * 60 * 60 + 1, '3600']) {
				expectRefused(grant({ expires_in: expiresIn }), /"expires_in"/);
			}
		});
	});

	describe('refresh_token', () => {
		it('refuses a malformed refresh token', () => {
			for (const refreshToken of ['', null, 42, { value: REFRESH }, 'r'.repeat(16_385)]) {
				expectRefused(grant({ refresh_token: refreshToken }), /"refresh_token"/);
			}
		});

		it('leaves refreshToken out when the grant has none', () => {
			expect(parseVerifyResponse(grant(), CLIENT)).not.toHaveProperty('refreshToken');
		});
	});

	describe('user', () => {
		it('refuses a grant without a user or a user id', () => {
			for (const user of [undefined, null, 'u1', ['u1'], {}, { id: '' }, { id: 7 }]) expectRefused(grant({ user }), /"user"/);
		});

		it('accepts a 256-character user id and refuses a 257-character one', () => {
			expect(parseVerifyResponse(grant({ user: { id: 'u'.repeat(256) } }), CLIENT).user.id).toHaveLength(256);
			expectRefused(grant({ user: { id: 'u'.repeat(257) } }), /"user"/);
		});

		it('refuses a non-string or oversized email or name', () => {
			for (const field of ['email', 'name']) {
				for (const value of [42, null, ['a'], { v: 'a' }, 'x'.repeat(257)]) {
					expectRefused(grant({ user: { id: 'u1', [field]: value } }), new RegExp(`"user\\.${field}"`));
				}
				expect(parseVerifyResponse(grant({ user: { id: 'u1', [field]: 'x'.repeat(256) } }), CLIENT).user).toHaveProperty(field);
			}
		});

		it('keeps only id, email and name of the user and drops unknown fields', () => {
			const result = parseVerifyResponse(
				grant({ user: { id: 'u1', email: 'ada@example.com', name: 'Ada', roles: ['admin'], picture: 'x'.repeat(10_000), isAdmin: true } }),
				CLIENT
			);
			expect(result.user).toEqual({ id: 'u1', email: 'ada@example.com', name: 'Ada' });
		});

		it('drops unknown top-level fields of the grant', () => {
			const result = parseVerifyResponse(grant({ id_token: 'x', scope: 'openid', extra: { a: 1 } }), CLIENT);
			expect(Object.keys(result).sort()).toEqual(['accessToken', 'carryOverState', 'expiresIn', 'session', 'tokenType', 'user']);
		});
	});

	describe('session', () => {
		it('refuses a grant without a session or a session id', () => {
			for (const session of [undefined, null, 'as-sid-1', {}, { id: '' }, { id: 1 }]) expectRefused(grant({ session }), /"session"/);
		});

		it('keeps only the session id', () => {
			expect(parseVerifyResponse(grant({ session: { id: 's1', expires_at: 1 } }), CLIENT).session).toEqual({ id: 's1' });
		});

		it('accepts a 256-character session id and refuses a 257-character one (it goes into the cookie, S7)', () => {
			expect(parseVerifyResponse(grant({ session: { id: 's'.repeat(256) } }), CLIENT).session.id).toHaveLength(256);
			expectRefused(grant({ session: { id: 's'.repeat(257) } }), /"session"/);
		});

		it('accepts the full session block of the seed and of sveltekit-sso/provider, and ignores fields it does not use (X9)', () => {
			const full = { id: 's1', userId: 'u1', createdAt: 'whenever', expiresAt: '2030-01-01T00:00:00.000Z', device: { a: 1 } };
			expect(parseVerifyResponse(grant({ session: full }), CLIENT).session).toEqual({ id: 's1' });
			for (const expiresAt of ['2030-01-01T00:00:00Z', '2030-01-01T09:00:00+09:00', '2030-01-01t00:00:00.123456z']) {
				expect(parseVerifyResponse(grant({ session: { id: 's1', expiresAt } }), CLIENT).session).toEqual({ id: 's1' });
			}
		});

		it('refuses a session block whose userId is malformed or names another user (X9)', () => {
			for (const userId of [{}, [], null, 7, '', 'u2', 'u'.repeat(257)]) {
				expectRefused(grant({ session: { id: 's', userId } }), /"session\.userId"/);
			}
		});

		it('refuses a session block whose expiresAt is empty, garbage or not an RFC 3339 date-time (X9)', () => {
			for (const expiresAt of ['', ' ', 'garbage', 'tomorrow', '2030-01-01', '2030-13-01T00:00:00Z', '2030-01-01T00:00:00', 1_900_000_000, null, {}, 'Tue, 01 Jan 2030 00:00:00 GMT']) {
				expectRefused(grant({ session: { id: 's', expiresAt } }), /"session\.expiresAt"/);
			}
		});
	});

	describe('carry_over_state', () => {
		it('refuses carry-over state that is an array, a string or a number', () => {
			for (const state of [[1, 2], 'state', 7, true]) expectRefused(grant({ carry_over_state: state }), /"carry_over_state"/);
		});

		it('turns null or absent carry-over state into null', () => {
			expect(parseVerifyResponse(grant({ carry_over_state: null }), CLIENT).carryOverState).toBeNull();
			expect(parseVerifyResponse(grant(), CLIENT).carryOverState).toBeNull();
		});
	});

	it('never puts the access or refresh token into an error message', () => {
		const bodies = [
			grant({ refresh_token: REFRESH, client_id: 'other-app' }),
			grant({ refresh_token: REFRESH, token_type: 'DPoP' }),
			grant({ refresh_token: REFRESH, expires_in: 0 }),
			grant({ refresh_token: REFRESH, user: { id: '' } }),
			grant({ refresh_token: REFRESH, session: {} }),
			grant({ refresh_token: REFRESH, carry_over_state: [ACCESS] }),
			grant({ refresh_token: { token: REFRESH, access: ACCESS } })
		];
		for (const body of bodies) {
			const error = refusal(body);
			expect(error.code).toBe('invalid_response');
			expect(error.message).not.toContain(ACCESS);
			expect(error.message).not.toContain(REFRESH);
			expect(String(error.stack)).not.toContain(ACCESS);
			expect(String(error.stack)).not.toContain(REFRESH);
		}
	});
});

describe('callVerifyEndpoint: the content type of a 200 answer (X9)', () => {
	const body = JSON.stringify(grant());
	async function call(contentType: string | null, status = 200, text = body) {
		const fetch: typeof globalThis.fetch = async () =>
			new Response(text, { status, headers: contentType === null ? {} : { 'content-type': contentType } });
		return callVerifyEndpoint(
			{ url: new URL('https://idp.example/verify'), clientId: CLIENT, clientAuth: { method: 'none' }, appOrigin: 'https://app.example', fetch, timeoutMs: 1000, protocol: 'seed-2025', dpopNonces: createDpopNonceMemory(), clock: Date.now },
			{ token: 'tok-0123456789abcdef', state: 'state-1' }
		);
	}
	async function refusedWith(contentType: string | null, status = 200, text = body) {
		const error = await call(contentType, status, text).then(
			() => null,
			(e: unknown) => e
		);
		expect(error, String(contentType)).toBeInstanceOf(AuthError);
		return (error as AuthError).code;
	}

	it('reads JSON declared as application/json or a +json type, in UTF-8', async () => {
		for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;Charset="UTF-8"', 'application/json ; charset=utf8', 'application/vnd.grant+json']) {
			expect((await call(type)).accessToken, type).toBe(ACCESS);
		}
	});

	it('refuses a 200 answer in a charset other than UTF-8, as problem+json, or not JSON at all', async () => {
		for (const type of [
			'application/json; charset=utf-16',
			'application/json; charset=iso-8859-1',
			'application/json; charset=utf-8; charset=utf-16',
			'application/problem+json',
			'application/problem+json; charset=utf-8',
			'application/json-seq',
			'application/jsonx',
			'text/json',
			'text/html',
			null
		]) {
			expect(await refusedWith(type), String(type)).toBe('invalid_response');
		}
	});

	it('still reads the error code of a problem+json error answer', async () => {
		expect(await refusedWith('application/problem+json', 400, JSON.stringify({ error: 'invalid_grant' }))).toBe('invalid_token');
	});
});

describe('parseVerifyResponse under the authrim-2026 contract', () => {
	const dpopGrant = (overrides: Record<string, unknown> = {}) =>
		grant({
			token_type: 'DPoP',
			session: { id: 'as-sid-1', userId: 'u1', createdAt: '2026-02-01T00:00:00.000Z', expiresAt: '2026-02-02T00:00:00.000Z' },
			user: { id: 'u1', email: null, name: null, emailVerified: false },
			...overrides
		});

	it("accepts Authrim's documented answer: token_type DPoP (any case), email and name null", () => {
		for (const token_type of ['DPoP', 'dpop']) {
			const verified = parseVerifyResponse(dpopGrant({ token_type }), CLIENT, 'authrim-2026');
			expect(verified.tokenType).toBe('DPoP');
			expect(verified.user).toEqual({ id: 'u1' });
		}
	});

	it('refuses a Bearer answer to a call that proved a key (a downgrade), and a DPoP answer under the seed contract', () => {
		expect(() => parseVerifyResponse(dpopGrant({ token_type: 'Bearer' }), CLIENT, 'authrim-2026')).toThrow(/DPoP "token_type"/);
		expect(() => parseVerifyResponse(dpopGrant(), CLIENT, 'seed-2025')).toThrow(/Bearer "token_type"/);
	});

	it('accepts null email and name only where the 2026 contract allows them', () => {
		expect(() => parseVerifyResponse(grant({ user: { id: 'u1', email: null } }), CLIENT)).toThrow(/user\.email/);
		expect(() => parseVerifyResponse(dpopGrant({ user: { id: 'u1', email: 42 } }), CLIENT, 'authrim-2026')).toThrow(/user\.email/);
		expect(() => parseVerifyResponse(dpopGrant({ user: { id: 'u1', emailVerified: 'yes' } }), CLIENT, 'authrim-2026')).toThrow(/emailVerified/);
	});

	it('drops a refresh token (nothing could refresh it with a proof) and still binds the grant to this client', () => {
		expect(parseVerifyResponse(dpopGrant({ refresh_token: REFRESH }), CLIENT, 'authrim-2026')).not.toHaveProperty('refreshToken');
		expect(() => parseVerifyResponse(dpopGrant({ client_id: 'other' }), CLIENT, 'authrim-2026')).toThrow(/another client/);
	});

	it('needs session and user (the call asks for them with include)', () => {
		expect(() => parseVerifyResponse(dpopGrant({ session: undefined }), CLIENT, 'authrim-2026')).toThrow(/"session"/);
		expect(() => parseVerifyResponse(dpopGrant({ user: undefined }), CLIENT, 'authrim-2026')).toThrow(/"user"/);
	});
});

describe('callVerifyEndpoint under the authrim-2026 contract', () => {
	it("names Authrim's error_details.code in the error, cleaned, as invalid_request", async () => {
		const fetch: typeof globalThis.fetch = async () =>
			new Response(JSON.stringify({ error: 'invalid_request', error_description: 'x', error_details: { code: 'dpop_proof_missing<script>' } }), {
				status: 400,
				headers: { 'content-type': 'application/json' }
			});
		const error = await callVerifyEndpoint(
			{ url: new URL('https://idp.example/verify'), clientId: CLIENT, clientAuth: { method: 'none' }, appOrigin: 'https://app.example', fetch, timeoutMs: 1000, protocol: 'authrim-2026', dpopNonces: createDpopNonceMemory(), clock: Date.now },
			{ token: 'tok-0123456789abcdef', state: 'state-1' }
		).then(
			() => null,
			(e: unknown) => e as AuthError
		);
		expect(error?.code).toBe('invalid_request');
		expect(error?.message).toBe('the verify endpoint answered 400 (invalid_request: dpop_proof_missingscript)');
	});

	it('sends a DPoP proof for the URL without query, include=session,user literally, and keeps the proved key with the grant', async () => {
		let seen: Request | undefined;
		const fetch: typeof globalThis.fetch = async (input, init) => {
			seen = new Request(input, init);
			return new Response(JSON.stringify({ token_type: 'DPoP', access_token: ACCESS, expires_in: 60, session: { id: 's' }, user: { id: 'u1', email: null } }), {
				headers: { 'content-type': 'application/json' }
			});
		};
		const verified = await callVerifyEndpoint(
			{ url: new URL('https://idp.example/verify'), clientId: CLIENT, clientAuth: { method: 'none' }, appOrigin: 'https://app.example', fetch, timeoutMs: 1000, protocol: 'authrim-2026', dpopNonces: createDpopNonceMemory(), clock: Date.now },
			{ token: 'tok-0123456789abcdef', state: 'state-1' }
		);
		expect(seen?.url).toBe('https://idp.example/verify?include=session,user');
		expect(seen?.headers.get('origin')).toBe('https://app.example');
		const proof = seen?.headers.get('dpop') ?? '';
		const { decodeJwt, decodeProtectedHeader, calculateJwkThumbprint } = await import('jose');
		expect(decodeJwt(proof)).toMatchObject({ htm: 'POST', htu: 'https://idp.example/verify' });
		expect(verified.tokenType).toBe('DPoP');
		const { x, y } = verified.dpop!;
		expect(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y })).toBe(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!));
	});
});
