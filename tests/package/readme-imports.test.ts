// Every import the README shows resolves against the packed package, installed in the fresh app that
// global-setup.ts builds (shared with installed-app.test.ts): the names type-check in one generated
// file compiled with the app's tsc, and the value names are there when Node imports the module.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from './fresh-app.js';
import { checkReadmeImports, parseReadmeImports } from './readme-imports-check.js';

const { pkg, app } = inject('packageFixture');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('parseReadmeImports', () => {
	it('finds named, type-only, inline type, default and namespace imports of the package in ts, js and svelte fences only', () => {
		const markdown = [
			'# x', // 1
			'```ts', // 2
			"import { a, b as c } from 'pkg/server';", // 3
			"import type { T } from 'pkg';", // 4
			"import { type U, v } from 'pkg';", // 5
			"import Other from 'other-pkg';", // 6
			'```', // 7
			'```svelte', // 8
			'<script lang="ts">', // 9
			"\timport D, * as NS from 'pkg/testing';", // 10
			'</script>', // 11
			'```', // 12
			'```sh', // 13
			"import { ignored } from 'pkg';", // 14
			'```', // 15
			'```js', // 16
			'import {', // 17
			'\tmulti,', // 18
			'\tline', // 19
			"} from 'pkg/provider';", // 20
			"import 'pkg/side';", // 21
			"// import { commented } from 'pkg';", // 22
			"import { unrelated } from 'pkg-other';", // 23
			'```' // 24
		].join('\n');
		const found = parseReadmeImports(markdown, 'pkg').map(({ module, name, kind, line }) => `${line} ${kind} ${name} ${module}`);
		expect(found).toEqual([
			'3 value a pkg/server',
			'3 value b pkg/server',
			'4 type T pkg',
			'5 type U pkg',
			'5 value v pkg',
			'10 default default pkg/testing',
			'10 namespace * pkg/testing',
			'17 value multi pkg/provider',
			'17 value line pkg/provider',
			'21 side-effect * pkg/side'
		]);
	});

	it("finds the README's own imports, from every entry it documents", () => {
		const imports = parseReadmeImports(README, pkg.manifest.name);
		expect(imports.length).toBeGreaterThan(5);
		expect(imports).toContainEqual(expect.objectContaining({ module: 'sveltekit-sso/server', name: 'ServerAuthContext', kind: 'type' }));
		expect(imports).toContainEqual(expect.objectContaining({ module: 'sveltekit-sso', name: 'setAuthContext', kind: 'value' }));
	});
});

describe('the README against the packed package installed in a fresh app', () => {
	it('resolves every import the README shows (types with tsc, values with a Node import)', async () => {
		const problems = await checkReadmeImports(app.dir, parseReadmeImports(README, pkg.manifest.name));
		expect(problems, problems.join('\n')).toEqual([]);
	});

	it('fails, naming each import, when the README shows one the package does not have', async () => {
		const bogus = `${README}\n\`\`\`ts\nimport { createAuthHandle, notARealExport } from 'sveltekit-sso/server';\nimport type { NotARealType } from 'sveltekit-sso';\nimport { nothing } from 'sveltekit-sso/no-such-entry';\n\`\`\`\n`;
		const bogusLine = bogus.split('\n').length - 4;
		const problems = await checkReadmeImports(app.dir, parseReadmeImports(bogus, pkg.manifest.name), 'readme-imports-bogus');
		const text = problems.join('\n');
		// Every problem is about one of the three bogus imports, and each bogus import has a problem.
		for (const problem of problems) expect(problem).toMatch(/^README\.md:\d+ imports (notARealExport|type NotARealType|nothing) from /);
		expect(text).toMatch(new RegExp(`README\\.md:${bogusLine} imports notARealExport from 'sveltekit-sso/server'.*tsc: .*notARealExport`));
		expect(text).toMatch(/imports notARealExport from 'sveltekit-sso\/server'.*has no export notARealExport at run time/);
		expect(text).toMatch(/imports type NotARealType from 'sveltekit-sso'.*tsc: .*NotARealType/);
		expect(text).toMatch(/imports nothing from 'sveltekit-sso\/no-such-entry'.*tsc: .*sveltekit-sso\/no-such-entry/);
		expect(text).toMatch(/imports nothing from 'sveltekit-sso\/no-such-entry'.*node cannot import/);
		expect(text).not.toMatch(/imports createAuthHandle /);
	});
});
