// Ship what you tested: the packed tarball, installed into a
// fresh SvelteKit app with seed 001's complete example, built for production with adapter-node, and
// driven over HTTP against the dev IdP. It proves the artifact, not the source. The package must be
// bundled by Vite together with the app's own @sveltejs/kit and svelte (its `svelte` export condition,
// and svelte as a peer dependency, make vite-plugin-svelte do that); loaded from node_modules at run
// time instead, it meets second copies of both and the signed-out GET /dashboard answers 500 instead
// of requireAuth's 303 (checked by hand: stripping both from the installed package.json does that).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevIdp, type DevIdp } from '../../dev/idp.js';
import { freePort } from '../support/app-server.js';
import { buildApp, ROOT, run } from './fresh-app.js';

// Packed and installed once for the project by global-setup.ts, which also removes the work folder.
const { work: WORK, pkg, app, timings: setupTimings } = inject('packageFixture');
const CLIENT_ID = 'demo-public';
const timings: Record<string, number> = { ...setupTimings };

let idp: DevIdp | undefined;
let server: ChildProcess | undefined;
let serverLog = '';
let origin = '';

async function startServer(env: Record<string, string>): Promise<void> {
	server = spawn(process.execPath, ['build/index.js'], { cwd: app.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	server.stdout?.on('data', (d) => (serverLog += d));
	server.stderr?.on('data', (d) => (serverLog += d));
	const deadline = Date.now() + 20_000;
	for (;;) {
		if (server.exitCode !== null) throw new Error(`the app exited:\n${serverLog}`);
		try {
			await fetch(`${origin}/`, { redirect: 'manual' });
			return;
		} catch {
			if (Date.now() > deadline) throw new Error(`the app did not start:\n${serverLog}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}
}

beforeAll(async () => {
	const port = await freePort();
	origin = `http://127.0.0.1:${port}`;
	idp = await startDevIdp({ port: 0, appOrigin: origin });
	// The seed's /callback route reads import.meta.env.VITE_AUTHRIM_*, which Vite inlines at build time.
	await buildApp(app, { VITE_AUTHRIM_ISSUER: idp.issuer, VITE_AUTHRIM_CLIENT_ID: CLIENT_ID }, timings);
	const started = Date.now();
	await startServer({
		NODE_ENV: 'production',
		HOST: '127.0.0.1',
		PORT: String(port),
		ORIGIN: origin,
		AUTH_SECRET: randomBytes(32).toString('base64url'),
		PUBLIC_AUTHRIM_ISSUER: idp.issuer,
		PUBLIC_AUTHRIM_CLIENT_ID: CLIENT_ID
	});
	timings.start = Date.now() - started;
	console.log(
		`[package] ${pkg.manifest.name}@${pkg.manifest.version} in a fresh app with ${Object.entries(app.versions)
			.map(([n, v]) => `${n}@${v}`)
			.join(', ')}; ms: ${JSON.stringify(timings)}`
	);
});

afterAll(async () => {
	if (server && server.exitCode === null) {
		const exited = new Promise((r) => server!.once('exit', r));
		server.kill('SIGTERM');
		await exited;
	}
	await idp?.stop();
});

/** A browser-like GET chain: follows redirects, keeps a cookie jar, records every hop. */
async function browse(
	path: string,
	jar: Map<string, string>
): Promise<{ hops: { status: number; url: string; location: string | null }[]; final: Response; body: string; setCookies: string[] }> {
	const hops: { status: number; url: string; location: string | null }[] = [];
	const setCookies: string[] = [];
	let url = new URL(path, origin);
	for (let i = 0; i < 10; i++) {
		const cookie = [...jar].map(([n, v]) => `${n}=${v}`).join('; ');
		const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
		for (const line of res.headers.getSetCookie()) {
			setCookies.push(line);
			const [pair] = line.split(';');
			const name = pair.slice(0, pair.indexOf('='));
			const value = pair.slice(pair.indexOf('=') + 1);
			if (/;\s*max-age=0/i.test(line) || value === '') jar.delete(name);
			else jar.set(name, value);
		}
		const location = res.headers.get('location');
		hops.push({ status: res.status, url: url.pathname + url.search, location });
		if (res.status < 300 || res.status > 399 || !location) return { hops, final: res, body: await res.text(), setCookies };
		url = new URL(location, url);
		if (url.origin !== origin) throw new Error(`redirected off the app: ${url.href}`);
	}
	throw new Error(`too many redirects: ${JSON.stringify(hops)}`);
}

describe('the packed tarball', () => {
	it('passes publint --strict', async () => {
		const lint = await run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), 'run', pkg.tarball, '--strict'], { cwd: WORK, allowFailure: true });
		expect(lint.output).not.toMatch(/Errors:|Warnings:/);
		expect(lint.code, lint.output).toBe(0);
	});

	it('holds only the built package: dist code and types, package.json and docs — no tests, no sources, no tool folders', () => {
		const allowed = (f: string) =>
			f === 'package.json' ||
			/^(README|CHANGELOG|LICEN[CS]E)(\.md|\.txt)?$/i.test(f) ||
			/^dist\/.+\.(js|d\.ts|d\.ts\.map|svelte|svelte\.d\.ts|css)$/.test(f);
		expect(pkg.files.filter((f) => !allowed(f))).toEqual([]);
		expect(pkg.files.filter((f) => /(^|\/)(tests?|__tests__|e2e|\.svelte-kit|__package__)\/|\.(test|spec)\.[cm]?[jt]s$/.test(f))).toEqual([]);
		for (const entry of ['dist/index.js', 'dist/server/index.js']) expect(pkg.files).toContain(entry);
	});

	it('imports no Node built-in, no undeclared package, and nothing only one SvelteKit major accepts ($env, $app/stores, $lib)', () => {
		// The package's own name is fine: a self-reference resolves through its own `exports`.
		const declared = new Set([pkg.manifest.name, ...Object.keys(pkg.manifest.dependencies ?? {}), ...Object.keys(pkg.manifest.peerDependencies ?? {})]);
		const builtins = new Set(builtinModules);
		const problems: string[] = [];
		// Static forms only where a statement starts: a message that shows an import
		// ("import { env } from '$env/dynamic/private'") is a string, not an import.
		const specifier =
			/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;
		for (const file of pkg.files.filter((f) => /^dist\/.+\.(js|d\.ts|svelte)$/.test(f))) {
			// Code only: TSDoc examples (`import … from 'sveltekit-sso/redis'`) are not imports.
			const source = readFileSync(join(pkg.unpacked, file), 'utf8')
				.replace(/\/\*[\s\S]*?\*\//g, '')
				.replace(/^\s*\/\/.*$/gm, '');
			for (const match of source.matchAll(specifier)) {
				const spec = match[1] ?? match[2] ?? match[3] ?? match[4];
				if (spec.startsWith('.')) continue;
				const bare = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
				if (spec.startsWith('node:') || builtins.has(bare)) problems.push(`${file}: Node built-in '${spec}'`);
				else if (/^\$(env|lib|app\/stores|app\/env)\b/.test(spec)) problems.push(`${file}: '${spec}' (not on both SvelteKit 2 and 3)`);
				else if (spec.startsWith('$')) problems.push(`${file}: SvelteKit alias '${spec}' in a package`);
				else if (!declared.has(bare)) problems.push(`${file}: '${spec}' is not a dependency or peer dependency`);
			}
		}
		expect(problems).toEqual([]);
	});
});

describe('the tarball installed in a fresh SvelteKit app', () => {
	it('is installed as a copy with a single @sveltejs/kit beside the app', () => {
		const installed = join(app.dir, 'node_modules', pkg.manifest.name);
		expect(lstatSync(installed).isSymbolicLink()).toBe(false);
		expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(pkg.manifest.version);
		expect(existsSync(join(installed, 'node_modules', '@sveltejs', 'kit'))).toBe(false);
	});

	it('resolves every declared entry under the types, svelte and default conditions', async () => {
		const installed = join(app.dir, 'node_modules', pkg.manifest.name);
		const entries = Object.keys(pkg.manifest.exports).filter((k) => k !== './package.json');
		for (const entry of entries) {
			for (const [condition, target] of Object.entries(pkg.manifest.exports[entry])) {
				expect(existsSync(join(installed, target)), `${entry} [${condition}] → ${target}`).toBe(true);
			}
		}
		// Node's own resolver, from the app, with and without the `svelte` condition Vite uses.
		const names = entries.map((e) => (e === '.' ? pkg.manifest.name : `${pkg.manifest.name}/${e.slice(2)}`));
		const script = `const r = {}; for (const n of ${JSON.stringify(names)}) r[n] = import.meta.resolve(n); console.log(JSON.stringify(r));`;
		for (const flags of [[], ['--conditions=svelte']]) {
			const out = await run(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: app.dir });
			const resolved: Record<string, string> = JSON.parse(out.output.trim().split('\n').pop()!);
			for (const [name, url] of Object.entries(resolved)) {
				expect(url, `${name} ${flags.join(' ')}`).toContain(`/node_modules/${pkg.manifest.name}/dist/`);
				expect(existsSync(new URL(url)), url).toBe(true);
			}
		}
	});

	it('loads every entry in plain Node, ./testing without any test runner (./testing/vitest needs its optional vitest peer)', async () => {
		const names = Object.keys(pkg.manifest.exports)
			.filter((e) => e !== './package.json')
			.map((e) => (e === '.' ? pkg.manifest.name : `${pkg.manifest.name}/${e.slice(2)}`));
		const script = `const r = {}; for (const n of ${JSON.stringify(names)}) { try { r[n] = Object.keys(await import(n)).length; } catch (e) { r[n] = String(e.message); } } console.log(JSON.stringify(r));`;
		const out = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app.dir });
		const loaded: Record<string, number | string> = JSON.parse(out.output.trim().split('\n').pop()!);
		for (const [name, result] of Object.entries(loaded)) {
			if (name.endsWith('/testing/vitest') && typeof result === 'string') expect(result).toMatch(/Cannot find (package|module) 'vitest'/);
			else expect(result, name).toBeTypeOf('number');
		}
		expect(loaded[`${pkg.manifest.name}/testing`], 'sveltekit-sso/testing imports no test runner').toBeTypeOf('number');
	});

	it('mints a session cookie from ./testing in plain Node, with no vitest installed', async () => {
		const script = `const { mintSessionCookie } = await import('${pkg.manifest.name}/testing'); const m = await mintSessionCookie({ secret: 'x'.repeat(32), user: { id: 'u1' } }); console.log(JSON.stringify({ cookie: m.cookieHeader.split('=')[0] }));`;
		const out = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app.dir });
		expect(JSON.parse(out.output.trim().split('\n').pop()!)).toEqual({ cookie: 'sso' });
		// And on the package itself, whatever the app can resolve: nothing ./testing loads,
		// transitively, imports a test runner.
		const seen = new Set<string>();
		const runners: string[] = [];
		const visit = (file: string) => {
			if (seen.has(file)) return;
			seen.add(file);
			for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)) {
				if (specifier === undefined) continue;
				if (/^(vitest|jest|@jest\/|mocha)/.test(specifier)) runners.push(`${file}: ${specifier}`);
				if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
			}
		};
		visit(join(app.dir, 'node_modules', pkg.manifest.name, 'dist', 'testing', 'index.js'));
		expect(seen.size).toBeGreaterThan(3);
		expect(runners).toEqual([]);
	});

	it("is bundled into the app's server build with the app's own SvelteKit (no run-time import of the package)", () => {
		const imports: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const path = join(dir, entry.name);
				if (entry.isDirectory()) walk(path);
				else if (entry.name.endsWith('.js')) {
					for (const line of readFileSync(path, 'utf8').split('\n')) {
						if (/^\s*(import|export)\b.*\bfrom\s*['"]sveltekit-sso(\/|['"])/.test(line) || /\bimport\(\s*['"]sveltekit-sso/.test(line)) imports.push(`${path}: ${line.trim()}`);
					}
				}
			}
		};
		walk(join(app.dir, 'build', 'server'));
		expect(imports).toEqual([]);
	});

	it('type-checks the seed example against the packed types (svelte-check, 0 errors)', { timeout: 180_000 }, async () => {
		const check = await run(process.execPath, ['node_modules/svelte-check/bin/svelte-check', '--tsconfig', './tsconfig.json', '--output', 'human'], {
			cwd: app.dir,
			allowFailure: true
		});
		timings.check = check.ms;
		expect(check.output).toMatch(/svelte-check found 0 errors/);
		expect(check.code, check.output).toBe(0);
	});

	it('redirects a signed-out GET /dashboard with a 303 to /login carrying redirectTo (requireAuth, not a 500)', async () => {
		const res = await fetch(`${origin}/dashboard?tab=a%20b`, { redirect: 'manual' });
		expect(res.status, serverLog).toBe(303);
		expect(res.headers.get('location')).toBe(`/login?redirectTo=${encodeURIComponent('/dashboard?tab=a%20b')}`);
		// A client-side navigation asks for __data.json; the redirect must survive that path too.
		const data = await fetch(`${origin}/dashboard/__data.json`, { redirect: 'manual' });
		expect(data.status).toBe(200);
		expect(await data.json()).toMatchObject({ type: 'redirect', location: '/login?redirectTo=%2Fdashboard' });
	});

	it('signs in from a handoff delivered to the manual /callback route and shows the user on /dashboard', async () => {
		idp!.resetCounters();
		const state = `portal-${randomBytes(12).toString('base64url')}`;
		const token = await idp!.mintHandoff({ sub: 'ada', clientId: CLIENT_ID, state });
		const jar = new Map<string, string>();
		const { hops, final, body, setCookies } = await browse(`/callback?handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`, jar);
		expect(hops.map((h) => `${h.status} ${h.url}`), serverLog).toEqual([
			`303 /callback?handoff_token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`,
			'302 /callback',
			'200 /dashboard'
		]);
		expect(hops.every((h) => !h.location?.includes(token))).toBe(true);
		expect(final.status).toBe(200);
		expect(body).toContain('Welcome, Ada!');
		expect(body).toContain('Email: ada@example.test');
		expect(body).toContain('Sign Out');
		expect(idp!.counters.verifyCalls).toBe(1);
		// The session is a cookie of its own (http on loopback: `sso`, not `__Host-sso`), with the seed's
		// attributes on every cookie the package set, and it keeps the browser signed in.
		expect([...jar.keys()]).toContain('sso');
		expect(setCookies.length).toBeGreaterThan(0);
		for (const line of setCookies) expect(line).toMatch(/; Path=\/(;|$).*HttpOnly.*SameSite=Lax/i);
		const again = await browse('/dashboard', jar);
		expect(again.hops.map((h) => h.status)).toEqual([200]);
		expect(again.body).toContain('Welcome, Ada!');
	});

	it("sends a failed handoff to the seed's login page with its error message", async () => {
		const { hops, body } = await browse('/callback?handoff_token=not-a-token&state=portal-state-0123456789', new Map());
		expect(hops.map((h) => `${h.status} ${h.url}`)).toEqual([
			'303 /callback?handoff_token=not-a-token&state=portal-state-0123456789',
			'200 /login?error=handoff_failed'
		]);
		expect(body).toContain('Authentication failed. Please try again.');
	});
});
