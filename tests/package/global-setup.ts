// One packed tarball and one fresh app for every test file of the package project: packing and
// `npm install` are most of the fixture's cost, so installed-app.test.ts (which builds and serves the
// app) and readme-imports.test.ts (which only compiles and imports against it) share them.
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createFreshApp, packPackage, removeWork, ROOT, type FreshApp, type PackedPackage } from './fresh-app.js';

export interface PackageFixture {
	/** tests/.tmp/package-<pid>: the tarball, its extracted copy and the app. */
	work: string;
	pkg: PackedPackage;
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
	const work = join(ROOT, 'tests', '.tmp', `package-${process.pid}`);
	const timings: Record<string, number> = {};
	removeWork(work);
	const pkg = await packPackage(work, timings);
	const app = await createFreshApp(work, pkg, timings);
	project.provide('packageFixture', { work, pkg, app, timings });
	return () => {
		if (process.env.SSO_KEEP_TMP === '1') console.log(`[package] kept ${work}`);
		// Removed by default: tests/.tmp is inside the root tsconfig's `tests/**` include, and a leftover
		// app would show up in the next `npm run check`.
		else removeWork(work);
	};
}
