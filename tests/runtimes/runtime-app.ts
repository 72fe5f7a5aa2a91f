// Prepares what every runtime run needs, once per `vitest run` (global-setup.ts): the packed package,
// the runtimes app (tests/runtimes/app) installed in .tools/runtimes/app with the tarball and its two
// production builds, and the runtimes themselves — Node 22, Bun, Deno and wrangler (workerd) — all from
// the npm registry. .tools/ is git-ignored and outside the root tsconfig; the app's node_modules is
// kept between runs while its manifest is unchanged, the tarball is unpacked into it on every run.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ensureNode22, NODE22, NODE22_BIN } from '../../scripts/node22.mjs';
import { packInto, ROOT, run } from '../package/fresh-app.js';

/** The runtimes CI proves, by the name each test file uses. */
export type RuntimeName = 'node20' | 'node22' | 'bun' | 'deno' | 'workerd';

/** Pinned so that a run is reproducible; all from the npm registry. */
export const RUNTIME_PACKAGES = {
	bun: '1.4.5',
	deno: '2.9.6',
	wrangler: '4.168.0',
	'@sveltejs/adapter-cloudflare': '7.2.9'
} as const;

export const WORK = join(ROOT, '.tools', 'runtimes');
export const APP = join(WORK, 'app');
const APP_SOURCE = join(ROOT, 'tests', 'runtimes', 'app');

export interface PreparedRuntimes {
	/** The app folder: `build/` (adapter-node) and `.svelte-kit-cf/cloudflare` (adapter-cloudflare). */
	app: string;
	/** Executables by runtime. */
	binaries: Record<RuntimeName, string>;
	/** Why a runtime cannot run here, by runtime; empty when all can. */
	unavailable: Partial<Record<RuntimeName, string>>;
	/** ms per preparation step. */
	timings: Record<string, number>;
}

const ALL: RuntimeName[] = ['node20', 'node22', 'bun', 'deno', 'workerd'];

function appManifest(): Record<string, unknown> {
	const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
	const pick = (name: string) => root.devDependencies[name] ?? root.dependencies[name];
	return {
		name: 'sveltekit-sso-runtimes-app',
		private: true,
		type: 'module',
		// The package's own dependencies, because its tarball is unpacked into node_modules below.
		dependencies: { jose: pick('jose'), 'oauth4webapi': pick('oauth4webapi') },
		devDependencies: {
			...Object.fromEntries(['@sveltejs/kit', '@sveltejs/adapter-node', '@sveltejs/vite-plugin-svelte', 'svelte', 'vite'].map((n) => [n, pick(n)])),
			...RUNTIME_PACKAGES
		},
		overrides: root.overrides
	};
}

/** Runs `fn` as a timed step; a failure marks `runtimes` unavailable with its reason and returns false. */
async function step(
	prepared: PreparedRuntimes,
	name: string,
	runtimes: RuntimeName[],
	fn: () => Promise<void>
): Promise<boolean> {
	const started = Date.now();
	try {
		await fn();
		return true;
	} catch (error) {
		const reason = `${name} failed: ${error instanceof Error ? error.message.split('\n').slice(0, 12).join('\n') : String(error)}`;
		for (const runtime of runtimes) prepared.unavailable[runtime] ??= reason;
		return false;
	} finally {
		prepared.timings[name] = Date.now() - started;
	}
}

export async function prepareRuntimes(): Promise<PreparedRuntimes> {
	const bin = join(APP, 'node_modules', '.bin');
	const prepared: PreparedRuntimes = {
		app: APP,
		binaries: { node20: process.execPath, node22: NODE22, bun: join(bin, 'bun'), deno: join(bin, 'deno'), workerd: join(APP, 'node_modules', 'wrangler', 'bin', 'wrangler.js') },
		unavailable: {},
		timings: {}
	};
	// wrangler needs Node ≥ 22.12, so npm installs the app on Node 22 where there is one.
	let node22 = false;
	await step(prepared, 'node22', ['node22', 'workerd'], async () => {
		if (!ensureNode22({ stdio: 'ignore' })) throw new Error(`npm could not install node@22 into .tools`);
		node22 = true;
	});
	const pathEnv = node22 ? { PATH: `${NODE22_BIN}${delimiter}${process.env.PATH}` } : {};

	const tarball = join(WORK, 'pack');
	const packed = await step(prepared, 'pack', ALL, async () => {
		rmSync(tarball, { recursive: true, force: true });
		mkdirSync(tarball, { recursive: true });
		await packInto(tarball);
	});
	if (!packed) return prepared;

	const installed = await step(prepared, 'install', ALL, async () => {
		mkdirSync(APP, { recursive: true });
		for (const entry of readdirSync(APP)) {
			if (!['node_modules', 'package-lock.json', '.manifest-hash'].includes(entry)) rmSync(join(APP, entry), { recursive: true, force: true });
		}
		cpSync(APP_SOURCE, APP, { recursive: true });
		const manifest = JSON.stringify(appManifest(), null, '\t') + '\n';
		writeFileSync(join(APP, 'package.json'), manifest);
		const hash = createHash('sha256').update(manifest).digest('hex');
		const hashFile = join(APP, '.manifest-hash');
		if (!existsSync(hashFile) || readFileSync(hashFile, 'utf8') !== hash || !existsSync(join(APP, 'node_modules'))) {
			rmSync(join(APP, 'node_modules'), { recursive: true, force: true });
			rmSync(join(APP, 'package-lock.json'), { force: true });
			// --legacy-peer-deps: wrangler 4.168's optional peer @cloudflare/workers-types@^5.20261123.1 is
			// not on the registry, and adapter-cloudflare 7 depends on the 4.x types; the app needs neither.
			await run('npm', ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', '--prefer-offline', '--loglevel', 'error'], {
				cwd: APP,
				env: pathEnv,
				timeoutMs: 600_000
			});
			writeFileSync(hashFile, hash);
		}
		// The packed package, unpacked where `npm install <tarball>` puts it.
		const target = join(APP, 'node_modules', 'sveltekit-sso');
		rmSync(target, { recursive: true, force: true });
		mkdirSync(target, { recursive: true });
		const tgz = readdirSync(tarball).find((f) => f.endsWith('.tgz'));
		if (!tgz) throw new Error('npm pack wrote no tarball');
		await run('tar', ['-xzf', join(tarball, tgz), '-C', target, '--strip-components=1'], { cwd: WORK });
	});
	if (!installed) return prepared;

	// One adapter-node build for Node 20, Node 22, Bun and Deno; one adapter-cloudflare build for workerd.
	// Side by side (separate Kit output folders): together they take little more than the slower one.
	const buildEnv = { NODE_ENV: 'production' };
	await Promise.all([
		step(prepared, 'build adapter-node', ['node20', 'node22', 'bun', 'deno'], async () => {
			await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: APP, env: { ...buildEnv, RT_ADAPTER: 'node' } });
		}),
		node22
			? step(prepared, 'build adapter-cloudflare', ['workerd'], async () => {
					await run(NODE22, ['node_modules/vite/bin/vite.js', 'build'], { cwd: APP, env: { ...buildEnv, ...pathEnv, RT_ADAPTER: 'cloudflare' } });
				})
			: Promise.resolve(false)
	]);

	// Each runtime answers --version, or is unavailable with the reason.
	const probes: [RuntimeName, string, string[]][] = [
		['bun', prepared.binaries.bun, ['--version']],
		['deno', prepared.binaries.deno, ['--version']],
		['workerd', NODE22, [prepared.binaries.workerd, '--version']]
	];
	for (const [runtime, command, args] of probes) {
		if (prepared.unavailable[runtime]) continue;
		await step(prepared, `probe ${runtime}`, [runtime], async () => {
			await run(command, args, { cwd: APP, env: pathEnv, timeoutMs: 60_000 });
		});
	}
	return prepared;
}
