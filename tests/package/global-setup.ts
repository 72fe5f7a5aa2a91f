// One packed tarball and one `sv create` + `npm install` for every test file of the package project:
// packing and installing are most of the fixture's cost. The installed app is used twice: as it is,
// for readme-app.test.ts (the README's files copied in) and readme-imports.test.ts, and as a copy
// with seed 001's example for installed-app.test.ts (which builds and serves it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { copyApp, createFreshApp, keepOnlyReadmeDependencies, packPackage, removeWork, type FreshApp, type PackedPackage } from './fresh-app.js';
import { seedExampleFiles } from './seed-example.js';

export interface PackageFixture {
	/** A fresh folder under the OS temp dir: the tarball, its extracted copy and the apps. */
	work: string;
	pkg: PackedPackage;
	/** sv create's app with the tarball in its package.json, and nothing else: the README's files go here. */
	readmeApp: FreshApp;
	/** A copy of it with seed 001's complete example (seed-example.ts) written in. */
	app: FreshApp;
	/** ms of pack, create and install. */
	timings: Record<string, number>;
}

declare module 'vitest' {
	export interface ProvidedContext {
		packageFixture: PackageFixture;
	}
}

export default async function setup(project: TestProject): Promise<() => void> {
	// Outside the repository: Node and TypeScript look for packages and @types in every parent
	// folder, and this repository's node_modules would hide what a user's app lacks.
	const work = mkdtempSync(join(tmpdir(), 'sveltekit-sso-package-'));
	const timings: Record<string, number> = {};
	let pkg: PackedPackage, readmeApp: FreshApp, app: FreshApp;
	try {
		pkg = await packPackage(work, timings);
		readmeApp = await createFreshApp(work, pkg, timings);
		app = await copyApp(readmeApp, 'seed-app', seedExampleFiles, timings);
		keepOnlyReadmeDependencies(readmeApp);
	} catch (error) {
		if (process.env.SSO_KEEP_TMP !== '1') removeWork(work);
		throw error;
	}
	project.provide('packageFixture', { work, pkg, readmeApp, app, timings });
	return () => {
		if (process.env.SSO_KEEP_TMP === '1') console.log(`[package] kept ${work}`);
		else removeWork(work);
	};
}
