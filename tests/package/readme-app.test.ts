// The README is executable: a newcomer's app, made with `sv create` and the packed tarball
// (global-setup.ts), receives every block README.md marks `<!-- copy: path -->`, verbatim, and runs
// every `<!-- run: … -->` block (readme-blocks.ts). Then, exactly as the README's "Your own app against
// the dev identity provider" says: `npm run dev:idp` in this repository, whose printed `.env` must be
// the README's; `npm run check` (svelte-check) in the app; `npm run dev -- --host 127.0.0.1 --port …`;
// and in Chromium: the protected route, OpenID Connect sign-in, sign-out, the portal's "Open App"
// handoff and a failed handoff; last, the README's minted-cookie test with Node's own runner (no
// vitest anywhere: the app lives outside this repository). The only liberty taken with README text:
// the ports. The README's are the defaults (IdP 4000, app 5173); the test runs on free ones, so
// `127.0.0.1:4000` and `127.0.0.1:5173` (and `--port 5173`) are replaced by the ports it got.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../support/app-server.js';
import { ROOT, run, SV_CREATE_FLAGS, writeFiles } from './fresh-app.js';
import { parseReadmeBlocks, type CopyBlock } from './readme-blocks.js';

const { readmeApp: app, timings: setupTimings } = inject('packageFixture');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = parseReadmeBlocks(README);
const timings: Record<string, number> = {};
const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

const README_IDP = 'http://127.0.0.1:4000';
const README_APP = 'http://127.0.0.1:5173';
let idpOrigin = '';
let appOrigin = '';
let appPort = 0;
/** README text with the default ports replaced by the ones this run got (see the file's header). */
const withPorts = (text: string) => text.replaceAll(README_IDP, idpOrigin).replaceAll(README_APP, appOrigin).replaceAll('--port 5173', `--port ${appPort}`);

/** A long-running command of the README, in its own process group so that it stops with its children. */
interface Service {
	child: ChildProcess;
	log: () => string;
	waitFor: (pattern: RegExp, what: string, ms?: number) => Promise<RegExpMatchArray>;
}

const services: Service[] = [];
// A worker that ends without afterAll (an interrupted run) still stops the process groups it started.
process.once('exit', () => {
	for (const { child } of services) killGroup(child);
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
	try {
		process.kill(-child.pid!, signal);
	} catch {
		// ESRCH: the group has ended already.
	}
}

function start(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Service {
	const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	const listeners = new Set<() => void>();
	const append = (d: string) => {
		// Without colour codes: under CI=true vite (picocolors) colours its output even into a pipe,
		// and a bold port number would hide the "Local:" line from the patterns below.
		output += String(d).replace(/\x1b\[[0-9;]*m/g, '');
		for (const l of listeners) l();
	};
	child.stdout!.setEncoding('utf8');
	child.stderr!.setEncoding('utf8');
	child.stdout!.on('data', append);
	child.stderr!.on('data', append);
	child.on('exit', () => {
		for (const l of listeners) l();
	});
	const service: Service = {
		child,
		log: () => output,
		waitFor: (pattern, what, ms = 60_000) =>
			new Promise((resolve, reject) => {
				const check = () => {
					const match = pattern.exec(output);
					if (match) done(() => resolve(match));
					else if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`${what}: \`${command} ${args.join(' ')}\` exited:\n${output}`)));
				};
				const timer = setTimeout(() => done(() => reject(new Error(`${what}: not within ${ms} ms:\n${output}`))), ms);
				const done = (settle: () => void) => {
					clearTimeout(timer);
					listeners.delete(check);
					settle();
				};
				listeners.add(check);
				check();
			})
	};
	services.push(service);
	return service;
}

/**
 * Stops the whole group (npm, its shell, vite or the IdP) and waits until every process of it has let
 * go of the output pipes (`close`, not `exit`: an open pipe would keep the test worker alive).
 */
async function stop(service: Service): Promise<void> {
	const { child } = service;
	const closed = new Promise<void>((resolve) => {
		if (child.stdout!.closed && child.stderr!.closed) resolve();
		else child.once('close', () => resolve());
	});
	killGroup(child, 'SIGTERM');
	const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
	await closed;
	clearTimeout(timer);
	services.splice(services.indexOf(service), 1);
}

/** The first README line that starts with `prefix` (a command of the walk-through), without its trailing comment. */
function readmeCommand(prefix: string): string {
	const line = README.split('\n').find((l) => l.startsWith(prefix));
	if (!line) throw new Error(`README.md no longer has a line starting \`${prefix}\`: the test runs that command`);
	return line.replace(/\s+#.*$/, '').trim();
}

let idp: Service;
let dev: Service;
let browser: Browser | undefined;
let idpEnv: string[] = [];
const placed: string[] = [];

beforeAll(async () => {
	if (blocks.problems.length) return; // the first test says why
	appPort = await freePort();
	appOrigin = `http://127.0.0.1:${appPort}`;

	// `npm run dev:idp` in this repository, for an app at our origin; IDP_PORT=0 picks a free port
	// (README: APP_ORIGIN and IDP_PORT move them). It prints the app's `.env`.
	let t = Date.now();
	const idpCommand = readmeCommand('npm run dev:idp').split(/\s+/);
	idp = start(idpCommand[0], idpCommand.slice(1), ROOT, { IDP_PORT: '0', APP_ORIGIN: appOrigin });
	idpOrigin = (await idp.waitFor(/Dev identity provider\s+(http:\/\/127\.0\.0\.1:\d+)\//, 'the dev IdP start-up'))[1];
	const printed = await idp.waitFor(/\nSSO_ISSUER=[^]*?# AUTH_SECRET=[^\n]*\n/, 'the .env the dev IdP prints');
	idpEnv = printed[0].trim().split('\n');
	timings.idp = Date.now() - t;

	// Every copy block, verbatim (.env with the ports this run got), then the set-up commands.
	t = Date.now();
	writeFiles(app.dir, Object.fromEntries(blocks.copies.map((b: CopyBlock) => [b.path, b.path === '.env' ? withPorts(b.content) : b.content])));
	placed.push(...blocks.copies.map((b) => b.path));
	for (const block of blocks.runs.filter((b) => b.phase === 'setup')) {
		// prefer-offline: npm answers from its cache when it can (the command itself is the README's).
		await run('sh', ['-e', '-c', block.commands], { cwd: app.dir, env: { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' } });
	}
	timings.setup = Date.now() - t;
	mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
	await browser?.close();
	for (const service of [...services].reverse()) await stop(service);
	console.log(`[readme-app] ms: ${JSON.stringify({ ...setupTimings, ...timings })}`);
});

describe('the README, executed in a new app', () => {
	it('marks every block that names a file, and each marked block can be placed', () => {
		expect(blocks.problems, blocks.problems.join('\n')).toEqual([]);
		// What the rest of this file relies on: the files of the walk-through and a test of each phase.
		expect(blocks.copies.map((b) => b.path)).toEqual(
			expect.arrayContaining(['.env', 'src/hooks.server.ts', 'src/app.d.ts', 'src/routes/login/+page.svelte', 'src/routes/dashboard/+page.server.ts', 'tests/dashboard.test.js'])
		);
		expect(blocks.runs.map((b) => b.phase).sort()).toEqual(['setup', 'test']);
		expect(placed.sort()).toEqual(blocks.copies.map((b) => b.path).sort());
	});

	it('makes its app with the `sv create` this test makes it with (sv pinned here; one install instead of two)', () => {
		const [npx, sv, create, ...args] = readmeCommand('npx sv create').split(/\s+/);
		expect([npx, sv, create]).toEqual(['npx', 'sv', 'create']);
		const install = args.indexOf('--install');
		expect(install, 'the README installs non-interactively').toBeGreaterThan(-1);
		expect(args[install + 1]).toBe('npm');
		args.splice(install, 2);
		expect(args.slice(0, -1)).toEqual(SV_CREATE_FLAGS);
	});

	it('depends on what sv create and the README install, and nothing else', () => {
		const manifest = JSON.parse(readFileSync(join(app.dir, 'package.json'), 'utf8'));
		expect(Object.keys(manifest.dependencies)).toEqual(['sveltekit-sso']);
		expect(Object.keys(manifest.devDependencies)).toContain('@types/node');
		expect(Object.keys(manifest.devDependencies)).not.toContain('@sveltejs/adapter-node');
		expect(manifest.overrides).toBeUndefined();
		expect(existsSync(join(app.dir, 'node_modules', '@sveltejs', 'adapter-node')), 'the README\'s npm install pruned the seed app\'s adapter').toBe(false);
	});

	it('shows the .env that `npm run dev:idp` prints, line for line', () => {
		const env = blocks.copies.find((b) => b.path === '.env')!;
		expect(withPorts(env.content).trim().split('\n')).toEqual(idpEnv);
	});

	it('type-checks: `npm run check` (svelte-check) finds no error and no warning', { timeout: 180_000 }, async () => {
		const check = await run('npm', ['run', 'check'], { cwd: app.dir, allowFailure: true });
		timings.check = check.ms;
		expect(check.output, check.output).toMatch(/svelte-check found 0 errors and 0 warnings/);
		expect(check.code, check.output).toBe(0);
	});

	describe('against the dev identity provider, in Chromium', () => {
		beforeAll(async () => {
			const t = Date.now();
			const devCommand = withPorts(readmeCommand('npm run dev -- ')).split(/\s+/);
			dev = start(devCommand[0], devCommand.slice(1), app.dir);
			await dev.waitFor(new RegExp(`Local:\\s+${appOrigin.replaceAll('.', '\\.')}/`), 'npm run dev');
			browser = await chromium.launch({
				executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
				args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
			});
			timings.devStart = Date.now() - t;
		}, 120_000);

		/** A page in a fresh browser context (its own cookies); a step that cannot happen fails within 15 s. */
		async function newPage(): Promise<Page> {
			const context = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
			context.setDefaultTimeout(15_000);
			return context.newPage();
		}

		/** The IdP's sign-in form, as a person fills it in. */
		async function signInAtIdp(page: Page, login: string): Promise<void> {
			await page.waitForURL((url) => url.origin === idpOrigin && url.pathname.startsWith('/interaction/'));
			await page.getByLabel('User name').fill(login);
			await page.getByLabel('Password').fill('any password');
			await page.getByRole('button', { name: 'Sign in' }).click();
		}

		it('protects /dashboard, signs in through OpenID Connect, greets on /, and signs out through the IdP', { timeout: 90_000 }, async () => {
			const t = Date.now();
			const page = await newPage();
			await page.goto(`${appOrigin}/dashboard`);
			expect(page.url(), dev.log()).toBe(`${appOrigin}/login?redirectTo=%2Fdashboard`);
			await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
			await page.getByRole('link', { name: 'Sign in', exact: true }).click();
			await signInAtIdp(page, 'ada');
			await page.waitForURL(`${appOrigin}/dashboard`);
			await expect.poll(() => page.locator('body').innerText(), { message: dev.log() }).toContain('Signed in as Ada.');
			await page.screenshot({ path: join(SCREENSHOTS, 'readme-app-dashboard.png') });

			// The home page of "In components": the context knows the user; Sign Out needs the page hydrated.
			await page.goto(`${appOrigin}/`, { waitUntil: 'networkidle' });
			await expect.poll(() => page.locator('body').innerText()).toContain('Welcome, Ada!');
			await page.getByRole('button', { name: 'Sign Out' }).click();
			await page.waitForURL((url) => url.origin === appOrigin && url.pathname === '/', { timeout: 20_000 });
			// README: "returns to `/` (as `/?state=…`…)".
			expect([...new URL(page.url()).searchParams.keys()]).toEqual(['state']);
			await expect.poll(() => page.getByRole('link', { name: 'Sign In' }).count(), { message: dev.log() }).toBe(1);
			// Signed out at the app: the protected route asks again.
			await page.goto(`${appOrigin}/dashboard`);
			expect(page.url()).toBe(`${appOrigin}/login?redirectTo=%2Fdashboard`);
			// README: under `vite dev` the IdP's back-channel logout reaches the app without a CSRF setting
			// (the IdP logs a failed one; it has sent it by the time it redirects back).
			expect(idp.log()).not.toMatch(/back-channel logout to client \S+ failed|server_error/);
			await page.context().close();
			timings.oidc = Date.now() - t;
		});

		it("hands a user over from the portal's Open App (Smart Handoff), with no token left in the URL", { timeout: 60_000 }, async () => {
			const t = Date.now();
			const page = await newPage();
			await page.goto(`${idpOrigin}/`);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await signInAtIdp(page, 'bea');
			await page.waitForURL(`${idpOrigin}/`);
			await page.getByRole('button', { name: 'Open App' }).click();
			await page.waitForURL(`${appOrigin}/`);
			await expect.poll(() => page.locator('body').innerText(), { message: dev.log() }).toContain('Welcome, Bea!');
			expect(page.url()).not.toMatch(/handoff_token|state=/);
			await page.screenshot({ path: join(SCREENSHOTS, 'readme-app-open-app.png') });
			// The handoff session opens the protected route too.
			await page.goto(`${appOrigin}/dashboard`);
			await expect.poll(() => page.locator('body').innerText()).toContain('Signed in as Bea.');
			await page.context().close();
			timings.handoff = Date.now() - t;
		});

		it("shows the code of a cancelled sign-in and of a failed handoff on the README's /login page", { timeout: 45_000 }, async () => {
			const page = await newPage();
			// OpenID Connect: Cancel at the identity provider comes back as access_denied.
			await page.goto(`${appOrigin}/login`);
			await page.getByRole('link', { name: 'Sign in', exact: true }).click();
			await page.waitForURL((url) => url.origin === idpOrigin && url.pathname.startsWith('/interaction/'));
			await page.getByRole('link', { name: /^Cancel/ }).click();
			await page.waitForURL(`${appOrigin}/login?error=access_denied`);
			await expect.poll(() => page.getByRole('alert').textContent()).toBe('Signing in did not work (access_denied). Please try again.');
			// Smart Handoff: a token the IdP never issued.
			await page.goto(`${appOrigin}/?handoff_token=${'x'.repeat(24)}&state=${'s'.repeat(24)}`);
			const code = new URL(page.url()).searchParams.get('error');
			expect(new URL(page.url()).pathname, dev.log()).toBe('/login');
			expect(code).toMatch(/^[a-z_]+$/);
			await expect.poll(() => page.getByRole('alert').textContent()).toBe(`Signing in did not work (${code}). Please try again.`);
			expect(dev.log() + idp.log()).not.toContain('x'.repeat(24));
			await page.context().close();
		});

		it("passes the README's minted-cookie test with Node's own runner (no vitest installed)", { timeout: 60_000 }, async () => {
			const t = Date.now();
			// Proof of "no vitest": the app cannot resolve it (the app lives outside this repository).
			const resolveVitest = await run(process.execPath, ['--input-type=module', '-e', "import.meta.resolve('vitest')"], { cwd: app.dir, allowFailure: true });
			expect(resolveVitest.output).toMatch(/Cannot find (package|module) 'vitest'/);
			for (const block of blocks.runs.filter((b) => b.phase === 'test')) {
				const result = await run('sh', ['-e', '-c', withPorts(block.commands)], { cwd: app.dir, allowFailure: true });
				expect(result.output, `${result.output}\n--- npm run dev:\n${dev.log()}`).toMatch(/# pass [1-9]\d*\n# fail 0\n/);
				expect(result.code).toBe(0);
			}
			timings.mintedCookieTest = Date.now() - t;
		});
	});
});
