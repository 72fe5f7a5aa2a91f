import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilTime } from '../support/eventually.js';
import { refreshGrants, type GlewlwydInfo } from '../support/glewlwyd.js';
import { glewlwyd, introspect, newUser, signInOverHttp, startGlewlwydApp, whoami, type GlewlwydApp } from '../support/glewlwyd-stack.js';
import { mergeCookies } from '../support/handoff-env.js';
import { openSession } from '../support/oidc-stack.js';

// Refresh against Glewlwyd's one-time refresh tokens (`refresh-token-one-use: always`: every refresh
// token works once, and a spent one presented again disables the whole chain). Access tokens live
// 3 s (glewlwyd-setup.ts), so each round of the tests below is a real expiry, not a fake clock.
const info = glewlwyd();
const SECRET = 'refreshsecretrefreshsecret012';

describe.skipIf(!info)('refresh rotation against Glewlwyd', () => {
	let rotating: GlewlwydApp;
	beforeAll(async () => {
		// A 300 ms grace window and a session check on every request, as tests/integration/refresh-rotation.test.ts.
		rotating = await startGlewlwydApp(info!, { clientId: 'refreshrotation', secret: SECRET, env: { SSO_REFRESH_GRACE_MS: '300', SSO_SESSION_CHECK_INTERVAL_MS: '0' } });
	});
	afterAll(() => rotating?.app.stop());

	async function signedIn(started: GlewlwydApp, name: string) {
		// Signing in is glewlwyd-sign-in.test.ts's subject, in Chromium; here it only has to be quick.
		const username = await newUser(info!, name);
		const cookie = await signInOverHttp(info!, started, username);
		return { username, cookie, record: (await openSession(cookie))! };
	}

	it('ten concurrent requests after expiry → exactly one refresh grant per round, accepted by Glewlwyd; the spent refresh token is dead at Glewlwyd', async () => {
		let { username, cookie, record } = await signedIn(rotating, 'storm');
		expect(refreshGrants(info!, username)).toBe(0);
		for (let round = 1; round <= 2; round++) {
			await untilTime(record.tokens!.expiresAt);
			const answers = await Promise.all(Array.from({ length: 10 }, () => whoami(rotating.app, cookie)));
			expect(refreshGrants(info!, username)).toBe(round);
			for (const { body } of answers) expect(body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
			const written = await Promise.all(answers.map(({ response }) => openSession(mergeCookies(cookie, response))));
			expect(new Set(written.map((r) => r?.family?.generation))).toEqual(new Set([round]));
			expect(new Set(written.map((r) => r?.tokens?.refreshToken)).size).toBe(1);
			const next = written[0]!;
			expect(next.tokens!.refreshToken).not.toBe(record.tokens!.refreshToken);
			// Glewlwyd took the rotation: the new refresh token is live, the spent one is not.
			expect(await introspect(info!, { clientId: rotating.clientId, secret: SECRET }, next.tokens!.refreshToken!)).toMatchObject({ active: true });
			expect(await introspect(info!, { clientId: rotating.clientId, secret: SECRET }, record.tokens!.refreshToken!)).toMatchObject({ active: false });
			const userinfo = await fetch(`${info!.issuer}/userinfo`, { headers: { authorization: `Bearer ${next.tokens!.accessToken}` } });
			expect(userinfo.status).toBe(200);
			cookie = mergeCookies(cookie, answers[0]!.response);
			record = next;
		}
	});

	it('a spent refresh token replayed is refused by both sides: the SDK ends the session for an old cookie, Glewlwyd refuses the token and disables its chain', async () => {
		// The SDK side: a copy of the cookie one generation behind, beyond the grace window.
		const { username, cookie: old, record } = await signedIn(rotating, 'replay');
		await untilTime(record.tokens!.expiresAt);
		const first = await whoami(rotating.app, old);
		expect(first.body).toMatchObject({ isAuthenticated: true, hasAccessToken: true });
		const current = mergeCookies(old, first.response);
		const rotated = (await openSession(current))!;
		expect(rotated.family!.generation).toBe(1);
		await untilTime(Date.now() + 400);
		const replay = await whoami(rotating.app, old);
		expect(replay.body.isAuthenticated).toBe(false);
		expect(replay.response.headers.getSetCookie().some((c) => c.startsWith('sso=;') && /Max-Age=0/.test(c))).toBe(true);
		// No token request for the replay: the family was revoked before anything reached Glewlwyd.
		expect(refreshGrants(info!, username)).toBe(1);
		expect((await whoami(rotating.app, current)).body.isAuthenticated).toBe(false);

		// Glewlwyd's side: the spent refresh token, as a thief would present it.
		const other = await signedIn(rotating, 'thief');
		await untilTime(other.record.tokens!.expiresAt);
		const refreshed = await whoami(rotating.app, other.cookie);
		const newer = mergeCookies(other.cookie, refreshed.response);
		const live = (await openSession(newer))!.tokens!.refreshToken!;
		const client = { clientId: rotating.clientId, secret: SECRET };
		expect(await introspect(info!, client, live)).toMatchObject({ active: true });
		const stolen = await refreshAtGlewlwyd(info!, client, other.record.tokens!.refreshToken!);
		expect(stolen.status).toBe(400);
		// Glewlwyd disabled the chain: the legitimate session's refresh token is dead too, and the SDK's
		// next refresh is refused — the user is signed out, not left with a session that cannot refresh.
		expect(await introspect(info!, client, live)).toMatchObject({ active: false });
		await untilTime((await openSession(newer))!.tokens!.expiresAt);
		const after = await whoami(rotating.app, newer);
		expect(after.body).toMatchObject({ isAuthenticated: false, hasAccessToken: false });
	});

	// Failed before the grace window scaled to the token's lifetime (issue 12): the next refresh was held
	// back for refreshGraceMs (30 s) after a rotation, so with 3 s access tokens getAccessToken()
	// answered null from the second expiry on.
	it('with access tokens shorter than the default 30 s grace window, getAccessToken() is never null while signed in (issue 12)', async () => {
		// The default refreshGraceMs: only the access token lifetime (3 s) is short.
		const started = await startGlewlwydApp(info!, { clientId: 'refreshdefaultgrace', secret: SECRET });
		try {
			let { cookie, record } = await signedIn(started, 'grace');
			for (let round = 1; round <= 2; round++) {
				await untilTime(record.tokens!.expiresAt);
				const { body, response } = await whoami(started.app, cookie);
				expect({ round, ...body }).toMatchObject({ round, isAuthenticated: true, hasAccessToken: true });
				cookie = mergeCookies(cookie, response);
				record = (await openSession(cookie))!;
				expect(record.family!.generation).toBe(round);
			}
		} finally {
			await started.app.stop();
		}
	});
});

/** A refresh_token grant straight at Glewlwyd's token endpoint, as the confidential client. */
function refreshAtGlewlwyd(info: GlewlwydInfo, client: { clientId: string; secret: string }, refreshToken: string): Promise<Response> {
	return fetch(`${info.issuer}/token`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`
		},
		body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken })
	});
}
