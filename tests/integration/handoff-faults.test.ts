import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, startApp, type RunningApp } from '../support/app-server.js';
import { cookiesSet } from '../support/handoff-env.js';

// A real HTTP server on loopback playing the authorization server's verify endpoint, made to
// misbehave in the ways a real one can: status codes, bodies, slowness, absence.
type Mode = 'ok' | 'constructor' | 'huge-name' | 'huge-carry' | 'big-carry' | 'forever' | '500' | 'html' | 'garbage' | 'slow' | 'other-client' | 'no-access-token' | 'invalid_grant' | 'expired_token' | 'interaction_required' | 'redirect' | 'invalid_client' | 'bare401' | 'bare429';
let mode: Mode = 'ok';
let received: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
let server: Server;
let issuer: string;
let app: RunningApp;
let httpsApp: RunningApp;

const grant = (extra: Record<string, unknown> = {}) => ({
	token_type: 'Bearer',
	access_token: 'at-1',
	expires_in: 300,
	client_id: 'demo',
	session: { id: 'idp-session-1', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
	user: { id: 'frank', name: 'Frank', email: 'frank@example.test' },
	...extra
});

beforeAll(async () => {
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			received.push({ body, headers: req.headers });
			const json = (status: number, value: unknown) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(value));
			};
			switch (mode) {
				case 'ok':
					return json(200, grant());
				case 'constructor':
					return json(400, { error: 'constructor' });
				case 'huge-name':
					return json(200, grant({ user: { id: 'frank', name: 'F'.repeat(20_000) } }));
				case 'huge-carry':
					return json(200, grant({ carry_over_state: { cart: 'c'.repeat(12_000) } }));
				case 'big-carry':
					return json(200, grant({ carry_over_state: { cart: 'c'.repeat(5_000) } }));
				case 'forever':
					res.writeHead(200, { 'content-type': 'application/json' });
					return res.write('{"token_type": "Bearer", ');
				case '500':
					return json(500, { error: 'server_error' });
				case 'html':
					res.writeHead(200, { 'content-type': 'text/html' });
					return res.end('<html><body>Welcome</body></html>');
				case 'garbage':
					res.writeHead(200, { 'content-type': 'application/json' });
					return res.end('{"token_type": "Bearer", ');
				case 'slow':
					return setTimeout(() => json(200, grant()), 7_000);
				case 'other-client':
					return json(200, grant({ client_id: 'other-app' }));
				case 'no-access-token':
					return json(200, grant({ access_token: undefined }));
				case 'invalid_grant':
				case 'expired_token':
				case 'interaction_required':
					return json(400, { error: mode });
				case 'invalid_client':
					return json(401, { error: 'invalid_client' });
				case 'bare401':
					return res.writeHead(401, { 'www-authenticate': 'Basic realm="handoff"' }).end();
				case 'bare429':
					return res.writeHead(429, { 'retry-after': '1' }).end();
				case 'redirect':
					res.writeHead(302, { location: 'https://evil.example/steal' });
					return res.end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	app = await startApp({ SSO_ISSUER: issuer });
	httpsApp = await startApp({ SSO_ISSUER: issuer, ORIGIN: 'https://app.example.test' });
});
afterAll(async () => {
	await app?.stop();
	await httpsApp?.stop();
	server?.closeAllConnections();
	await new Promise((r) => server?.close(r));
});

async function arrive(m: Mode, query = 'handoff_token=tok-0123456789abcdef&state=idp-state-0123456789') {
	mode = m;
	received = [];
	return get(`${app.url}/dashboard?${query}&keep=1`);
}

describe('handoff against a misbehaving verify endpoint', () => {
	it.each([
		['500', 'verify_failed'],
		['constructor', 'verify_failed'],
		['huge-name', 'invalid_response'],
		['huge-carry', 'invalid_response'],
		['html', 'invalid_response'],
		['garbage', 'invalid_response'],
		['other-client', 'invalid_response'],
		['no-access-token', 'invalid_response'],
		['invalid_grant', 'invalid_token'],
		['expired_token', 'token_expired'],
		['interaction_required', 'verify_failed'],
		['redirect', 'verify_failed'],
		// By the body's error first, then the status: the app's client authentication, the server's rate limit.
		['invalid_client', 'invalid_client'],
		['bare401', 'invalid_client'],
		['bare429', 'rate_limited']
	] as const)('maps %s to %s with no session and the token gone from the URL (H2, H8)', async (m, code) => {
		const res = await arrive(m);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe(`/login?error=${code}`);
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(cookiesSet(res)).toEqual([]);
		expect(received).toHaveLength(1);
	});

	it('signs in when the same endpoint behaves (control for the faults above)', async () => {
		const res = await arrive('ok');
		expect(res.headers.get('location')).toBe('/dashboard?keep=1');
		expect(cookiesSet(res).some((c) => c.startsWith('sso='))).toBe(true);
	});

	it('delivers a carry-over state of a few kilobytes in chunks (control for huge-carry)', async () => {
		const res = await arrive('big-carry');
		expect(res.headers.get('location')).toBe('/dashboard?keep=1');
		const cookie = res.headers
			.getSetCookie()
			.filter((c) => !/Max-Age=0/i.test(c))
			.map((c) => c.split(';')[0])
			.join('; ');
		const me = await (await get(`${app.url}/api/whoami`, { cookie })).json();
		expect(me.carryOverState.cart).toHaveLength(5_000);
	});

	it('gives up on a body that never ends, with timeout', async () => {
		const started = Date.now();
		const res = await arrive('forever');
		expect(res.headers.get('location')).toBe('/login?error=timeout');
		expect(Date.now() - started).toBeLessThan(7_000);
	}, 15_000);

	it('gives up after the timeout with timeout', async () => {
		const started = Date.now();
		const res = await arrive('slow');
		expect(res.headers.get('location')).toBe('/login?error=timeout');
		expect(Date.now() - started).toBeLessThan(7_000);
		expect(cookiesSet(res)).toEqual([]);
	}, 15_000);

	it('sends the seed JSON body from decoded values: no parameter injection, one client_id (H6)', async () => {
		// The token may only hold unreserved characters (X5), so the injection rides in the state.
		const token = 'eyJ0Ijo.x_Y-z~0123456789';
		const injected = 'a+b/c="d"\\e&client_id=evil&handoff_token=x';
		await arrive('ok', `handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(injected)}`);
		expect(received).toHaveLength(1);
		const body = JSON.parse(received[0].body);
		expect(body).toEqual({ handoff_token: token, state: injected, client_id: 'demo' });
		expect(received[0].headers['content-type']).toBe('application/json');
		expect(received[0].headers.accept).toBe('application/json');
		expect(received[0].headers.origin).toBe(app.url);
		expect(received[0].headers.authorization).toMatch(/^Basic /);
	});

	it('writes a __Host- Secure session cookie for an https origin (H1, S5)', async () => {
		mode = 'ok';
		const res = await get(`${httpsApp.url}/?handoff_token=tok-0123456789abcdef&state=idp-state-0123456789`);
		expect(res.status).toBe(303);
		const session = cookiesSet(res).find((c) => c.startsWith('__Host-sso='));
		expect(session).toMatch(/; Path=\/; .*HttpOnly; Secure; SameSite=Lax/);
		expect(session).not.toMatch(/Domain=/i);
	});

	it('answers network_error when the authorization server is down', async () => {
		const down = await startApp({ SSO_ISSUER: 'http://127.0.0.1:9' });
		try {
			const res = await get(`${down.url}/?handoff_token=tok-0123456789abcdef&state=idp-state-0123456789`);
			expect(res.headers.get('location')).toBe('/login?error=network_error');
			expect(cookiesSet(res)).toEqual([]);
			expect(down.output()).not.toContain('tok-0123456789abcdef');
		} finally {
			await down.stop();
		}
	});

	it('never logs the token', async () => {
		await arrive('500', 'handoff_token=secret-token-value-42&state=idp-state-0123456789');
		expect(app.output()).not.toContain('secret-token-value-42');
	});
});
