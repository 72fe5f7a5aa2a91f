import { describe, expect, it } from 'vitest';
import { addUser } from '../support/glewlwyd.js';
import { glewlwydRelyingParty } from '../support/glewlwyd-rp.js';
import { glewlwyd } from '../support/glewlwyd-stack.js';

// fetchUserInfo against Glewlwyd's userinfo endpoint, seen from the SDK's side: the app is given a
// `fetch` that records every call it makes, so the test knows the userinfo call happened, with the
// session's access token, and that its answer was checked and merged.
const info = glewlwyd();
const SECRET = 'userinfosecretuserinfosecret01';

function recordingFetch() {
	const calls: { url: string; authorization: string | null }[] = [];
	const recording: typeof fetch = (input, init) => {
		const request = new Request(input, init);
		calls.push({ url: request.url, authorization: request.headers.get('authorization') });
		return fetch(request);
	};
	return { calls, fetch: recording };
}

describe.skipIf(!info)('fetchUserInfo against Glewlwyd', () => {
	it("calls Glewlwyd's userinfo endpoint with the new access token and signs in with its claims; without the option, no call", async () => {
		const username = `userinfo${Date.now().toString(36)}`;
		await addUser(info!, username);
		const withUserInfo = recordingFetch();
		const rp = await glewlwydRelyingParty(info!, { clientId: 'userinfoon', secret: SECRET }, { fetchUserInfo: true, fetch: withUserInfo.fetch });
		const done = await rp.signIn(username);
		expect(rp.errors).toEqual([]);
		expect(done.location).toBe('/dashboard');
		const userinfoCalls = withUserInfo.calls.filter((c) => c.url === `${info!.issuer}/userinfo`);
		expect(userinfoCalls).toHaveLength(1);
		const record = (await rp.session())!;
		expect(userinfoCalls[0]!.authorization).toBe(`Bearer ${record.tokens!.accessToken}`);
		expect(record.user).toMatchObject({ name: `User ${username}`, email: `${username}@example.test` });

		const without = recordingFetch();
		const plain = await glewlwydRelyingParty(info!, { clientId: 'userinfooff', secret: SECRET }, { fetch: without.fetch });
		expect((await plain.signIn(username)).location).toBe('/dashboard');
		expect(without.calls.some((c) => c.url.endsWith('/userinfo'))).toBe(false);
		expect(without.calls.some((c) => c.url === `${info!.issuer}/token`)).toBe(true);
	});
});
