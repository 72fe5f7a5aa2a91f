import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyHandoffToken } from '../../../../src/lib/server/verify-handoff-token.js';
import { startAuthrimStandIn, type AuthrimStandIn } from '../../../support/authrim-2026-stand-in.js';
import { fakeEvent, TEST_SECRET } from '../../../support/fake-event.js';

vi.spyOn(console, 'warn').mockImplementation(() => {});

// The route form (verifyHandoffToken) under verifyProtocol 'authrim-2026', against the stand-in that
// enforces exactly Authrim's listed rules (a real HTTP server on loopback), in process.
const APP = 'http://127.0.0.1:5173';
let standIn: AuthrimStandIn;
beforeAll(async () => {
	standIn = await startAuthrimStandIn({ clients: { 'route-2026': [`${APP}/callback`] } });
});
afterAll(() => standIn.close());

const options = (verifyProtocol?: 'authrim-2026') => ({
	issuer: standIn.issuer,
	clientId: 'route-2026',
	secret: TEST_SECRET,
	allowInsecureRequests: true,
	origin: APP,
	...(verifyProtocol ? { verifyProtocol } : {})
});
let n = 0;
const arrival = (user: { id: string; email: string | null; name: string | null }) => {
	const state = `idp-state-route-${n++}-abcdef`;
	const token = standIn.mint({ user: { ...user, emailVerified: false }, state, clientId: 'route-2026' });
	return fakeEvent(`${APP}/callback?handoff_token=${token}&state=${state}`);
};

describe("verifyHandoffToken with verifyProtocol: 'authrim-2026'", () => {
	it('signs in against the stand-in, and the same call on the default contract is refused there', async () => {
		const ok = await verifyHandoffToken(arrival({ id: 'u-1', email: null, name: 'One' }), options('authrim-2026'));
		expect(ok).toMatchObject({ success: true, user: { id: 'u-1', name: 'One' } });
		expect(ok.success && ok.user).not.toHaveProperty('email');
		expect(standIn.calls.at(-1)).toMatchObject({ status: 200, include: 'session,user' });

		const refused = await verifyHandoffToken(arrival({ id: 'u-2', email: 'two@example.test', name: null }), options());
		expect(refused).toEqual({ success: false, error: 'invalid_request' });
		expect(standIn.calls.at(-1)).toMatchObject({ status: 400, code: 'dpop_proof_missing' });
	});
});
