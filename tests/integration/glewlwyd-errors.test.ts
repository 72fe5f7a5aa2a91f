import { describe, expect, it } from 'vitest';
import { untilTime } from '../support/eventually.js';
import { addUser, queryDatabase, type GlewlwydInfo } from '../support/glewlwyd.js';
import { glewlwydRelyingParty, reportedCodes } from '../support/glewlwyd-rp.js';
import { glewlwyd } from '../support/glewlwyd-stack.js';
import type { AuthHandleOptions } from '../../src/lib/server/auth-handle.js';

// What Glewlwyd's refusals become in the SDK (issue 12): the code reported to onError and what the
// user is left with, for the faults Glewlwyd really produces — its form-encoded client_secret_basic
// pitfall, bodiless 400 and 401 answers, and ID tokens with `auth_time: 0`.
const info = glewlwyd();
const SECRET = 'errorssecreterrorssecret0123';

let users = 0;
async function user(name: string): Promise<string> {
	const username = `${name}${++users}${Date.now().toString(36)}`;
	await addUser(info!, username);
	return username;
}

/** Refresh tokens Glewlwyd holds for `username`, and how many of them are still enabled. */
function refreshTokens(glewlwydInfo: GlewlwydInfo, username: string): { total: number; enabled: number } {
	const [row] = queryDatabase(
		glewlwydInfo,
		`SELECT count(*) AS total, coalesce(sum(gpor_enabled), 0) AS enabled FROM gpo_refresh_token WHERE gpor_username = '${username}'`
	);
	return { total: Number(row?.total), enabled: Number(row?.enabled) };
}

describe.skipIf(!info)("Glewlwyd's refusals, as the SDK reports them", () => {
	it('a client id with "-" under client_secret_basic: Glewlwyd refuses the form-encoded credentials (403) and the sign-in fails with invalid_client, a configuration code', async () => {
		const rp = await glewlwydRelyingParty(info!, { clientId: 'errors-basic', secret: SECRET });
		const username = await user('basic');
		const done = await rp.signIn(username);
		expect(done.location).toBe('/login?error=invalid_client');
		expect(reportedCodes(rp.errors, 'callback')).toEqual(['invalid_client']);
		expect(refreshTokens(info!, username).total).toBe(0);

		// The same credentials without "-" sign in: the refusal was the encoding, nothing else.
		const plain = await glewlwydRelyingParty(info!, { clientId: 'errorsbasic', secret: SECRET });
		expect((await plain.signIn(await user('basicplain'))).location).toBe('/dashboard');
	});

	it('a client id with "-" signs in with clientAuth: "client_secret_post"', async () => {
		const rp = await glewlwydRelyingParty(info!, { clientId: 'errors-post', secret: SECRET, authMethods: ['client_secret_post'] }, { clientAuth: 'client_secret_post' });
		const done = await rp.signIn(await user('post'));
		expect(rp.errors).toEqual([]);
		expect(done.location).toBe('/dashboard');
		expect(done.auth?.isAuthenticated).toBe(true);
	});

	it('a spent refresh token: Glewlwyd answers 400 without a body, reported as invalid_grant, and the session ends', async () => {
		const rp = await glewlwydRelyingParty(info!, { clientId: 'errorsrefresh', secret: SECRET }, { refreshGraceMs: 0 });
		const username = await user('refresh');
		expect((await rp.signIn(username)).location).toBe('/dashboard');
		const record = (await rp.session())!;
		// Someone else spends the refresh token first (Glewlwyd rotates it, once).
		const stolen = await fetch(`${info!.issuer}/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`errorsrefresh:${SECRET}`).toString('base64')}` },
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: record.tokens!.refreshToken! })
		});
		expect(stolen.status).toBe(200);
		await untilTime(record.tokens!.expiresAt);
		const after = await rp.call('/dashboard');
		expect(await after.auth?.getAccessToken()).toBeNull();
		expect(reportedCodes(rp.errors, 'refresh')).toEqual(['invalid_grant']);
		expect((await rp.call('/dashboard')).auth?.isAuthenticated).toBe(false);
	});

	it('a public client signing out: Glewlwyd refuses its revocation with 401, reported as invalid_client; the session ends all the same', async () => {
		const rp = await glewlwydRelyingParty(info!, { clientId: 'errorspublic' });
		expect((await rp.signIn(await user('public'))).location).toBe('/dashboard');
		const out = await rp.logout();
		expect(out.response.status).toBe(303);
		expect(reportedCodes(rp.errors, 'sign-out')).toEqual(['invalid_client']);
		expect((await rp.call('/dashboard')).auth?.isAuthenticated).toBe(false);
	});

	it("an ID token failing a check after Glewlwyd issued tokens (maxAge against its auth_time 0): the sign-in fails and the refresh token it got is revoked at Glewlwyd", async () => {
		const rp = await glewlwydRelyingParty(info!, { clientId: 'errorsmaxage', secret: SECRET }, { maxAge: 3600 });
		const username = await user('maxage');
		const done = await rp.signIn(username);
		expect(done.location).toMatch(/^\/login\?error=/);
		// An auth_time older than max_age is a step-up the server did not satisfy (RFC 9470).
		expect(reportedCodes(rp.errors, 'callback')[0]).toBe('insufficient_user_authentication');
		expect(refreshTokens(info!, username)).toEqual({ total: 1, enabled: 0 });

		// Without maxAge the same sign-in succeeds and its refresh token stays enabled.
		const control = await glewlwydRelyingParty(info!, { clientId: 'errorsnomaxage', secret: SECRET });
		const other = await user('nomaxage');
		expect((await control.signIn(other)).location).toBe('/dashboard');
		expect(refreshTokens(info!, other)).toEqual({ total: 1, enabled: 1 });
	});
});
