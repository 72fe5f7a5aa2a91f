// Builds the installed-package fixture: the packed tarball, and a fresh SvelteKit app (sv create,
// offline templates) that installs it as an ordinary dependency. Everything lives in one work folder
// outside the repository (global-setup.ts): an app inside it would resolve this repository's
// node_modules (vitest, @types/node) and pass where a user's app fails. npm's own cache is the only
// other thing read or written.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** sv is pinned: its templates are bundled, so `sv create` needs no network once sv itself is cached. */
export const SV = 'sv@0.17.1';

/** The app `sv create` makes: the README's command, which readme-app.test.ts holds to these flags. */
export const SV_CREATE_FLAGS = ['--template', 'minimal', '--types', 'ts', '--no-add-ons'];

export interface StepResult {
	code: number | null;
	output: string;
	ms: number;
}

/** Runs a command to completion without blocking the worker; throws with the output tail on failure. */
export function run(
	command: string,
	args: string[],
	options: { cwd: string; env?: Record<string, string | undefined>; allowFailure?: boolean; timeoutMs?: number }
): Promise<StepResult> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: { ...process.env, ...options.env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 300_000);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			const result = { code, output, ms: Date.now() - started };
			if (code !== 0 && !options.allowFailure) {
				reject(new Error(`\`${command} ${args.join(' ')}\` (in ${options.cwd}) exited ${code}:\n${output.slice(-6000)}`));
			} else resolve(result);
		});
	});
}

/**
 * `npm pack` into `dir`, or a copy of the tarball `npm test` packed once for this test and the runtimes
 * test (SSO_PACKED_TARBALL, scripts/test.mjs): the same artifact, packed once.
 */
export async function packInto(dir: string): Promise<StepResult> {
	const shared = process.env.SSO_PACKED_TARBALL;
	if (shared) {
		copyFileSync(shared, join(dir, basename(shared)));
		return { code: 0, output: `copied ${shared}`, ms: 0 };
	}
	return run('npm', ['pack', '--pack-destination', dir, '--loglevel', 'warn'], { cwd: ROOT });
}

export interface PackedPackage {
	/** Absolute path of the .tgz */
	tarball: string;
	/** Paths inside the tarball, without the leading `package/`. */
	files: string[];
	/** Where the tarball was extracted (its `package/` folder). */
	unpacked: string;
	/** The packed package.json. */
	manifest: {
		name: string;
		version: string;
		exports: Record<string, Record<string, string>>;
		dependencies?: Record<string, string>;
		peerDependencies?: Record<string, string>;
	};
}

/**
 * `npm pack` in the repository, as `npm publish` would: npm runs `prepack` (svelte-kit sync,
 * svelte-package, publint) and `prepare` first, then packs what package.json `files` selects.
 */
export async function packPackage(work: string, timings: Record<string, number>): Promise<PackedPackage> {
	mkdirSync(work, { recursive: true });
	const pack = await packInto(work);
	timings.pack = pack.ms;
	const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
	if (!tgz) throw new Error(`npm pack wrote no tarball into ${work}:\n${pack.output}`);
	const tarball = join(work, tgz);
	const listing = await run('tar', ['-tzf', tarball], { cwd: work });
	const files = listing.output
		.split('\n')
		.filter(Boolean)
		.map((p) => p.replace(/^package\//, ''))
		.sort();
	const unpackedRoot = join(work, 'unpacked');
	mkdirSync(unpackedRoot, { recursive: true });
	await run('tar', ['-xzf', tarball, '-C', unpackedRoot], { cwd: work });
	const unpacked = join(unpackedRoot, 'package');
	const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
	return { tarball, files, unpacked, manifest };
}

export interface FreshApp {
	dir: string;
	/** Versions npm resolved in the app, for the report. */
	versions: Record<string, string>;
}

/**
 * A fresh app as a newcomer makes it: `sv create` (minimal, TypeScript, no add-ons), then the packed
 * tarball as an ordinary dependency (what `npm install sveltekit-sso` does with a published version),
 * in one `npm install`. adapter-node is installed beside the template's adapter-auto for the seed app
 * (a copy, {@link copyApp}), which builds with it; the README app keeps sv's vite.config.ts, runs
 * under `vite dev` and drops adapter-node again ({@link keepOnlyReadmeDependencies}).
 */
export async function createFreshApp(work: string, pkg: PackedPackage, timings: Record<string, number>): Promise<FreshApp> {
	const dir = join(work, 'app');
	// --no-install: one `npm install` below, with the tarball already in package.json.
	const create = await run('npm', ['exec', '--yes', SV, '--', 'create', ...SV_CREATE_FLAGS, '--no-install', dir], {
		cwd: work
	});
	timings.create = create.ms;

	const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
	const appManifestPath = join(dir, 'package.json');
	const app = JSON.parse(readFileSync(appManifestPath, 'utf8'));
	// adapter-node is the one the project tests with (adapter-node 5 for SvelteKit 2).
	app.devDependencies['@sveltejs/adapter-node'] = rootManifest.devDependencies['@sveltejs/adapter-node'];
	app.dependencies = { [pkg.manifest.name]: `file:../${pkg.tarball.split('/').pop()}` };
	// docs/SVELTEKIT-FACTS.md's npm trap: adapter-node 5 pulls a rollup whose platform packages are missing from
	// the registry; the project pins the override, and so must an app that installs adapter-node 5.
	app.overrides = { ...app.overrides, ...rootManifest.overrides };
	writeFileSync(appManifestPath, JSON.stringify(app, null, '\t') + '\n');

	const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], { cwd: dir });
	timings.install = install.ms;

	const versions: Record<string, string> = {};
	for (const name of ['@sveltejs/kit', '@sveltejs/adapter-node', 'svelte', 'vite', pkg.manifest.name]) {
		versions[name] = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
	}
	return { dir, versions };
}

/**
 * Takes back what only the seed app needs (adapter-node and its npm override) from the app's
 * package.json, leaving sv's own plus the package: the README app's dependencies are then only what the
 * README installs. node_modules keeps adapter-node until the next `npm install` prunes it.
 */
export function keepOnlyReadmeDependencies(app: FreshApp): void {
	const path = join(app.dir, 'package.json');
	const manifest = JSON.parse(readFileSync(path, 'utf8'));
	delete manifest.devDependencies['@sveltejs/adapter-node'];
	delete manifest.overrides;
	writeFileSync(path, JSON.stringify(manifest, null, '\t') + '\n');
}

/**
 * A copy of an installed app (node_modules included: a real copy, not hard links, so that an
 * `npm install` in one never changes the other), with `files` (path relative to the app → content)
 * written over it. Costs a second or two instead of another `npm install`.
 */
export async function copyApp(app: FreshApp, name: string, files: Record<string, string>, timings: Record<string, number>): Promise<FreshApp> {
	const dir = join(dirname(app.dir), name);
	const copy = await run('cp', ['-a', app.dir, dir], { cwd: dirname(app.dir) });
	timings[`copy-${name}`] = copy.ms;
	writeFiles(dir, files);
	return { dir, versions: app.versions };
}

/** Writes files (path relative to `dir` → content), creating their folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
	for (const [path, content] of Object.entries(files)) {
		mkdirSync(dirname(join(dir, path)), { recursive: true });
		writeFileSync(join(dir, path), content);
	}
}

/** `vite build` of the app (adapter-node, into `build/`), with the build-time env the seed's /callback reads. */
export async function buildApp(app: FreshApp, env: Record<string, string>, timings: Record<string, number>): Promise<void> {
	const build = await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
		cwd: app.dir,
		env: { ...env, NODE_ENV: 'production' }
	});
	timings.build = build.ms;
}

export function removeWork(work: string): void {
	rmSync(work, { recursive: true, force: true });
}
