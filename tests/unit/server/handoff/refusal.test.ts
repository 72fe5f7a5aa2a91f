import { describe, expect, it, vi } from 'vitest';
import { createHandoffHandler } from '../../../../src/lib/server/handoff-handler.js';
import { fakeEvent, TEST_SECRET } from '../../../support/fake-event.js';

vi.spyOn(console, 'warn').mockImplementation(() => {});

const APP = 'https://app.example';
let n = 0;

/**
 * An app with app-initiated handoffs and an authorization server in a function whose discovery
 * document advertises (or not) RFC 9207's `authorization_response_iss_parameter_supported`, or fails.
 */
function setup(discovery: { issParameterSupported?: boolean; fail?: boolean } = {}) {
	// A fresh issuer per app, so each test builds its own runtime and discovery cache.
	const issuer = `https://idp${++n}.example`;
	const calls = { discovery: 0 };
	const fetch: typeof globalThis.fetch = async (input) => {
		const url = new URL(input instanceof Request ? input.url : String(input));
		if (url.pathname !== '/.well-known/openid-configuration') return new Response('not found', { status: 404 });
		calls.discovery++;
		if (discovery.fail) return new Response('<html>down</html>', { status: 503, headers: { 'content-type': 'text/html' } });
		return Response.json({
			issuer,
			authorization_endpoint: `${issuer}/authorize`,
			...(discovery.issParameterSupported === undefined ? {} : { authorization_response_iss_parameter_supported: discovery.issParameterSupported })
		});
	};
	const handle = createHandoffHandler({
		issuer,
		clientId: 'app',
		secret: TEST_SECRET,
		origin: APP,
		fetch,
		// The start route needs no discovery, so a failing discovery only meets the refusal.
		authorizationEndpoint: `${issuer}/authorize`
	});
	const run = (url: string, cookie?: string) =>
		handle({ event: fakeEvent(url, cookie === undefined ? {} : { cookie }), resolve: async () => new Response('page') }) as Promise<Response>;

	/** Starts an app-initiated handoff, then delivers the server's refusal with `iss` to the same browser. */
	async function refuse(iss: string | null, error = 'login_required') {
		const start = await run(`${APP}/auth/handoff?returnTo=/dashboard`);
		const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
		const cookie = start.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.join('; ');
		const query = new URLSearchParams({ error, state, ...(iss === null ? {} : { iss }) });
		const response = await run(`${APP}/auth/handoff/callback?${query}`, cookie);
		expect(response.status).toBe(303);
		// the transaction is spent whatever the answer
		expect(response.headers.getSetCookie().some((c) => c.includes(state) && /Max-Age=0/.test(c))).toBe(true);
		return response.headers.get('location');
	}
	return { issuer, calls, run, refuse };
}

describe('answerRefusal: RFC 9207 iss on a refused app-initiated handoff (C7)', () => {
	it('trusts the error only when iss equals the issuer exactly: a trailing slash, another case or another issuer is refused', async () => {
		const { issuer, refuse } = setup({ issParameterSupported: true });
		expect(await refuse(issuer)).toBe('/login?error=login_required');
		for (const iss of [`${issuer}/`, issuer.toUpperCase(), `${issuer}/tenant`, 'https://evil.example', '']) {
			expect(await refuse(iss)).toBe('/login?error=invalid_state');
		}
	});

	it('requires iss when the discovery metadata advertises authorization_response_iss_parameter_supported', async () => {
		const supported = setup({ issParameterSupported: true });
		expect(await supported.refuse(null)).toBe('/login?error=invalid_state');
		expect(await supported.refuse(supported.issuer)).toBe('/login?error=login_required');
	});

	it('accepts an absent iss when the metadata does not advertise it (false or missing), but never a wrong one', async () => {
		for (const issParameterSupported of [false, undefined]) {
			const app = setup({ issParameterSupported });
			expect(await app.refuse(null)).toBe('/login?error=login_required');
			expect(await app.refuse(null, 'access_denied')).toBe('/login?error=access_denied');
			expect(await app.refuse(app.issuer)).toBe('/login?error=login_required');
			expect(await app.refuse(`${app.issuer}/`)).toBe('/login?error=invalid_state');
		}
	});

	it('answers the fixed code, never a 500, when discovery fails; asks discovery only for a refusal it holds a transaction for', async () => {
		const down = setup({ fail: true });
		expect(await down.refuse(down.issuer)).toBe('/login?error=invalid_state');
		expect(await down.refuse(null)).toBe('/login?error=invalid_state');
		expect(down.calls.discovery).toBe(2);
		const stranger = await down.run(`${APP}/auth/handoff/callback?error=login_required&state=hoa_${'x'.repeat(32)}&iss=${encodeURIComponent(down.issuer)}`);
		expect(stranger.status).toBe(303);
		expect(stranger.headers.get('location')).toBe('/login?error=invalid_state');
		expect(down.calls.discovery).toBe(2);
	});
});
