import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENT_ID, DEMO_FAPI_CLIENT_ID, DEV_ACR_PASSWORD, fapiClient } from '../dev/clients.ts';
import { startDevIdp } from '../dev/idp.ts';
import { freePort, startApp, TEST_SECRET } from '../tests/support/app-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the demo (vite build, adapter-node) into a folder of its own, so concurrent runs and a
 * developer's `vite build` never collide, then starts the dev identity provider and the build on
 * free loopback ports, each knowing the other's origin. The tests find them through environment
 * variables (E2E_APP_URL, E2E_IDP_URL, E2E_CONTROL_URL, E2E_AUTH_SECRET).
 *
 * The control server is test-only: it mints handoff tokens with carry-over state, which the IdP
 * portal's "Open App" never adds.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
	const base = `.tmp/e2e-${process.pid}`;
	const buildDir = `${base}/build`;
	execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], {
		cwd: root,
		stdio: ['ignore', 'ignore', 'inherit'],
		env: { ...process.env, SSO_KIT_OUT: `${base}/kit`, SSO_BUILD_OUT: buildDir }
	});

	const appPort = await freePort();
	const appOrigin = `http://127.0.0.1:${appPort}`;
	// The same build switched to the FAPI 2.0 profile (SSO_PROFILE=fapi), as a second app with a FAPI
	// client of its own at the IdP.
	const fapiPort = await freePort();
	const fapiClientId = `${DEMO_FAPI_CLIENT_ID}-e2e`;
	const idp = await startDevIdp({ port: await freePort(), appOrigin, clients: [fapiClient(`http://127.0.0.1:${fapiPort}`, fapiClientId)] });
	// E2E_VERIFY_PROTOCOL=authrim-2026 runs every browser test with the handoff verify call on Authrim's
	// 2026 contract (DPoP); the dev IdP serves both contracts.
	const verifyProtocol = process.env.E2E_VERIFY_PROTOCOL ? { SSO_VERIFY_PROTOCOL: process.env.E2E_VERIFY_PROTOCOL } : {};
	const app = await startApp({ SSO_ISSUER: idp.issuer, ...verifyProtocol }, { port: appPort, buildDir });
	const fapiApp = await startApp({ SSO_ISSUER: idp.issuer, SSO_PROFILE: 'fapi', SSO_CLIENT_ID: fapiClientId }, { port: fapiPort, buildDir });
	const defaultSessionExpiry = idp.sessionExpirySeconds;

	const control: Server = createServer((req, res) => {
		// POST /fapi {sessionExpirySeconds?, downgradeAcr?}: the FAPI scenarios' IdP behaviour (an
		// enterprise session about to end; an IdP that ignores a step-up); POST /fapi {} restores it.
		if (req.method === 'POST' && req.url === '/fapi') {
			let body = '';
			req.on('data', (chunk: Buffer) => (body += chunk));
			req.on('end', () => {
				const input = JSON.parse(body || '{}') as { sessionExpirySeconds?: number; downgradeAcr?: boolean };
				idp.sessionExpirySeconds = input.sessionExpirySeconds ?? defaultSessionExpiry;
				idp.misbehave = input.downgradeAcr ? { onTokenResponse: idp.resignIdToken((claims) => ({ ...claims, acr: DEV_ACR_PASSWORD })) } : {};
				res.writeHead(204).end();
			});
			return;
		}
		if (req.method !== 'POST' || req.url !== '/mint') {
			res.writeHead(404).end();
			return;
		}
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk));
		req.on('end', () => {
			const input = JSON.parse(body) as { sub: string; state: string; carryOverState?: Record<string, unknown> };
			idp.mintHandoff({ clientId: DEMO_CLIENT_ID, ...input }).then(
				(token) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token })),
				(error: unknown) => res.writeHead(500).end(String(error))
			);
		});
	});
	await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

	process.env.E2E_APP_URL = app.url;
	process.env.E2E_FAPI_APP_URL = fapiApp.url;
	process.env.E2E_IDP_URL = idp.issuer;
	process.env.E2E_CONTROL_URL = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
	process.env.E2E_AUTH_SECRET = TEST_SECRET;

	return async () => {
		await new Promise<void>((resolve) => control.close(() => resolve()));
		await app.stop();
		await fapiApp.stop();
		await idp.stop();
		if (process.env.E2E_KEEP_BUILD !== '1') rmSync(`${root}${base}`, { recursive: true, force: true });
	};
}
