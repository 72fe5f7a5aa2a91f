import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveClientAuth } from '../../../../src/lib/server/config/client-auth-config.js';
import { createClientAuth } from '../../../../src/lib/server/oidc/client-auth.js';

const FN = 'createAuthHandle';

async function ecKeyPair() {
	return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

function misuseOf(run: () => unknown): { code?: string; message: string } {
	try {
		run();
	} catch (error) {
		return error as { code?: string; message: string };
	}
	throw new Error('did not throw');
}

afterEach(() => vi.restoreAllMocks());

describe('clientAuth is checked against clientSecret at startup, naming the option', () => {
	it('defaults to client_secret_basic with a secret and none without', () => {
		expect(resolveClientAuth(FN, undefined, 'app', 'secret0123')).toEqual({ method: 'client_secret_basic', secret: 'secret0123' });
		expect(resolveClientAuth(FN, undefined, 'app', undefined)).toEqual({ method: 'none' });
	});

	it.each([
		['client_secret_basic', undefined, /options\.clientAuth is 'client_secret_basic' but options\.clientSecret is not set/],
		['client_secret_post', undefined, /options\.clientAuth is 'client_secret_post' but options\.clientSecret is not set/],
		['none', 's3cret', /options\.clientAuth is 'none' \(a public client\) but options\.clientSecret is set/],
		[{ method: 'private_key_jwt' }, undefined, /options\.clientAuth\.key is required for 'private_key_jwt'/],
		['client_secret_jwt', 's3cret', /options\.clientAuth must be 'client_secret_basic', 'client_secret_post', 'none' or/]
	])('refuses %j with clientSecret %j', (option, secret, message) => {
		const error = misuseOf(() => resolveClientAuth(FN, option, 'app', secret));
		expect(error.code).toBe('ERR_INVALID_OPTION');
		expect(error.message).toMatch(message);
	});

	it('refuses a secret beside private_key_jwt, a public JWK, and a public CryptoKey', async () => {
		const { publicKey, privateKey } = await ecKeyPair();
		const jwk = await crypto.subtle.exportKey('jwk', privateKey);
		const { d: _d, ...publicJwk } = jwk;
		expect(misuseOf(() => resolveClientAuth(FN, { method: 'private_key_jwt', key: jwk }, 'app', 's3cret')).message).toMatch(
			/'private_key_jwt' but options\.clientSecret is set/
		);
		expect(misuseOf(() => resolveClientAuth(FN, { method: 'private_key_jwt', key: publicJwk }, 'app', undefined)).message).toMatch(
			/options\.clientAuth\.key must be a private JWK/
		);
		expect(misuseOf(() => resolveClientAuth(FN, { method: 'private_key_jwt', key: publicKey }, 'app', undefined)).message).toMatch(
			/options\.clientAuth\.key must be a private CryptoKey/
		);
		// Control: the private half is accepted, its alg derived from the curve and the kid chosen.
		expect(resolveClientAuth(FN, { method: 'private_key_jwt', key: privateKey, kid: 'k1' }, 'app', undefined)).toMatchObject({ alg: 'ES256', kid: 'k1' });
		expect(resolveClientAuth(FN, { method: 'private_key_jwt', key: { ...jwk, kid: 'from-jwk' } }, 'app', undefined)).toMatchObject({ alg: 'ES256', kid: 'from-jwk' });
	});

	it('warns, pointing to client_secret_post, when an unchosen client_secret_basic would form-encode the credentials', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		resolveClientAuth(FN, undefined, 'encoded-client', 'secret-with_chars.~');
		expect(warn.mock.calls.flat().join(' ')).toMatch(/client_secret_basic form-encodes.*'client_secret_post'/);
		warn.mockClear();
		// Chosen explicitly (the server decodes it), or plain letters and digits: nothing to say.
		resolveClientAuth(FN, 'client_secret_basic', 'chosen-client', 'secret-with_chars.~');
		resolveClientAuth(FN, undefined, 'plainclient', 'plainsecret0123');
		expect(warn).not.toHaveBeenCalled();
	});
});

describe('the client authentication built from it', () => {
	const as: oauth.AuthorizationServer = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };
	const client: oauth.Client = { client_id: 'app-_.~' };

	it('client_secret_post puts the id and secret in the body, unencoded, and no Authorization header', async () => {
		const body = new URLSearchParams();
		const headers = new Headers();
		await createClientAuth({ method: 'client_secret_post', secret: 's-_.~' })(as, client, body, headers);
		expect(body.get('client_id')).toBe('app-_.~');
		expect(body.get('client_secret')).toBe('s-_.~');
		expect(headers.has('authorization')).toBe(false);
	});

	it('private_key_jwt signs an assertion for the issuer with the chosen kid, from a JWK', async () => {
		const { publicKey, privateKey } = await ecKeyPair();
		const jwk = await crypto.subtle.exportKey('jwk', privateKey);
		const auth = createClientAuth(resolveClientAuth(FN, { method: 'private_key_jwt', key: jwk, kid: 'chosen' }, 'app', undefined));
		const body = new URLSearchParams();
		await auth(as, client, body, new Headers());
		expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
		expect(body.has('client_secret')).toBe(false);
		const { jwtVerify } = await import('jose');
		const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion')!, publicKey, { audience: as.issuer });
		expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'chosen' });
		expect(payload).toMatchObject({ iss: 'app-_.~', sub: 'app-_.~' });
		// A second call signs a fresh assertion (new jti) with the key imported once.
		const again = new URLSearchParams();
		await auth(as, client, again, new Headers());
		expect(again.get('client_assertion')).not.toBe(body.get('client_assertion'));
	});
});
