import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyHandoffToken } from '../../../src/lib/server/verify-handoff-token.js';
import { fakeEvent, TEST_SECRET } from '../../support/fake-event.js';
import { startVerifyServer, type VerifyServer } from '../../support/verify-server.js';

vi.spyOn(console, 'warn').mockImplementation(() => {});

// The seed's manual form (a /callback load function) redeems the one-time token through the same
// guards as the hook: HEAD and prefetch never spend it, and it never reaches a trace.
let verify: VerifyServer;
beforeAll(async () => {
	verify = await startVerifyServer();
});
afterAll(() => verify.close());

const options = () => ({ issuer: verify.issuer, clientId: 'route-app', secret: TEST_SECRET, allowInsecureRequests: true, origin: 'http://127.0.0.1:5173' });
const url = (state: string) => `http://127.0.0.1:5173/callback?handoff_token=tok-secret-value&state=${state}&tab=2`;

function tracing() {
	const attributes = new Map<string, string>([['http.url', 'recorded before any hook']]);
	return { attributes, tracing: { enabled: true, root: { setAttribute: (k: string, v: string) => attributes.set(k, v) } } };
}

describe('verifyHandoffToken (the route form)', () => {
	it('makes no verify call for a HEAD request and leaves the token unspent', async () => {
		const before = verify.calls();
		const result = await verifyHandoffToken(fakeEvent(url('idp-state-head-0001'), { method: 'HEAD' }), options());
		expect(result).toEqual({ success: false, error: 'invalid_request' });
		expect(verify.calls()).toBe(before);
	});

	it('makes no verify call for a prefetch (Sec-Purpose or Purpose) and leaves the token unspent', async () => {
		const before = verify.calls();
		for (const headers of [{ 'sec-purpose': 'prefetch' }, { 'sec-purpose': 'prefetch;prerender' }, { purpose: 'prefetch' }] as Record<string, string>[]) {
			const event = fakeEvent(url('idp-state-prefetch-01'), { headers });
			expect(await verifyHandoffToken(event, options())).toEqual({ success: false, error: 'invalid_request' });
			expect(event.kit.setCookies().filter((c) => c.includes('sso') && !/Max-Age=0/.test(c))).toEqual([]);
		}
		expect(verify.calls()).toBe(before);
	});

	it('redeems the same URL on a plain GET: one verify call, a session cookie, no-store', async () => {
		const before = verify.calls();
		const event = fakeEvent(url('idp-state-get-000001'));
		const result = await verifyHandoffToken(event, options());
		expect(result).toMatchObject({ success: true, user: { id: 'u1' } });
		expect(verify.calls()).toBe(before + 1);
		expect(event.kit.setCookies().some((c) => c.startsWith('sso='))).toBe(true);
		expect(event.headersSet).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
	});

	it('overwrites the traced http.url with the URL without the token, for GET, HEAD and prefetch alike', async () => {
		for (const init of [{}, { method: 'HEAD' }, { headers: { 'sec-purpose': 'prefetch' } }]) {
			const { attributes, tracing: t } = tracing();
			await verifyHandoffToken(fakeEvent(url('idp-state-trace-0001'), { ...init, tracing: t }), options());
			expect(attributes.get('http.url')).toBe('http://127.0.0.1:5173/callback?tab=2');
			expect([...attributes.values()].join(' ')).not.toContain('tok-secret-value');
		}
	});

	it('answers missing_token without a verify call when the URL has no token', async () => {
		const before = verify.calls();
		expect(await verifyHandoffToken(fakeEvent('http://127.0.0.1:5173/callback?state=x'), options())).toEqual({ success: false, error: 'missing_token' });
		expect(verify.calls()).toBe(before);
	});

	it('says how to fix a call without options and without createHandoffHandler', async () => {
		await expect(verifyHandoffToken(fakeEvent(url('idp-state-none-00001')))).rejects.toThrow(/pass options .* or add createHandoffHandler/);
	});
});
