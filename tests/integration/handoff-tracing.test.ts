import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../dev/idp.js';
import { freePort, get, startApp, type RunningApp } from '../support/app-server.js';

// H13: SvelteKit's server tracing records `http.url` on its root span before any hook runs. A build
// with tracing on and an OpenTelemetry exporter writing to a file shows what a trace backend gets.
const root = fileURLToPath(new URL('../..', import.meta.url));
// SvelteKit 3 moved tracing out of `kit.experimental`; the traced build here uses Kit 2's option.
const kitMajor = Number(createRequire(import.meta.url)('@sveltejs/kit/package.json').version.split('.')[0]);
const onKit2 = kitMajor === 2;
const base = `.tmp/trace-${process.pid}`;
const traceFile = `${root}${base}/spans.jsonl`;
let idp: DevIdp;
let app: RunningApp;

beforeAll(async () => {
	if (!onKit2) return;
	execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], {
		cwd: root,
		stdio: 'inherit',
		env: { ...process.env, SSO_TRACING: '1', SSO_KIT_OUT: `${base}/kit`, SSO_BUILD_OUT: `${base}/build` }
	});
	const port = await freePort();
	idp = await startDevIdp({ port: 0, appOrigin: `http://127.0.0.1:${port}` });
	app = await startApp({ SSO_ISSUER: idp.issuer, SSO_TRACE_FILE: traceFile }, { port, buildDir: `${base}/build` });
}, 180_000);
afterAll(async () => {
	await app?.stop();
	await idp?.stop();
	if (!process.env.SSO_KEEP_TMP) rmSync(`${root}${base}`, { recursive: true, force: true });
});

const rootSpanUrls = () =>
	existsSync(traceFile)
		? readFileSync(traceFile, 'utf8')
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line) as { name: string; attributes: Record<string, unknown> })
				.filter((span) => span.name === 'sveltekit.handle.root')
				.map((span) => String(span.attributes['http.url']))
		: [];

describe.runIf(onKit2)('a handoff token never reaches exported traces (H13)', () => {
	it('exports the root span of a handoff with the cleaned URL, while other URLs keep their query', async () => {
		const state = 'idp-state-traced-0123456789';
		const token = await idp.mintHandoff({ sub: 'alice', clientId: 'demo', state });
		const res = await get(`${app.url}/dashboard?handoff_token=${encodeURIComponent(token)}&state=${state}&keep=1`);
		expect(res.status).toBe(303);
		// control: an ordinary request's URL is exported as it came, query included
		await get(`${app.url}/api/plain?visible=1`);
		await new Promise((r) => setTimeout(r, 200));
		const urls = rootSpanUrls();
		expect(urls.some((u) => u.endsWith('/api/plain?visible=1'))).toBe(true);
		expect(urls.some((u) => u.endsWith('/dashboard?keep=1'))).toBe(true);
		expect(urls.join('\n')).not.toContain(token);
		expect(urls.join('\n')).not.toContain('handoff_token');
	});
});
