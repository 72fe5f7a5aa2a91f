// How readme-app.test.ts finds the README's executable blocks: what counts as marked, and every way a
// block can claim to be a file without being placeable, each named with its README line.
import { describe, expect, it } from 'vitest';
import { parseReadmeBlocks } from './readme-blocks.js';

const md = (...lines: string[]) => lines.join('\n');

describe('parseReadmeBlocks', () => {
	it('takes each marked block verbatim, with its path or phase, and leaves unmarked blocks that name no file alone', () => {
		const { copies, runs, problems } = parseReadmeBlocks(
			md(
				'# App', // 1
				'<!-- copy: src/hooks.server.ts -->', // 2
				'```ts', // 3
				'// src/hooks.server.ts', // 4
				'export const handle = 1;', // 5
				'```', // 6
				'<!-- copy: .env -->', // 7
				'```sh', // 8
				'A=1', // 9
				'# B=   a comment', // 10
				'```', // 11
				'<!--copy:src/routes/+page.svelte-->', // 12
				'````svelte', // 13
				'<!-- src/routes/+page.svelte -->', // 14
				'```not a fence end```', // 15
				'````', // 16
				'<!-- run: setup -->', // 17
				'```sh', // 18
				'npm install -D x   # a comment', // 19
				'```', // 20
				'```ts', // 21
				"import { a } from 'b'; // a fragment, no file", // 22
				'```', // 23
				'```', // 24
				'src/lib/   a layout tree, not a file', // 25
				'```', // 26
				'<!-- run: test -->', // 27
				'~~~sh', // 28
				'node --test', // 29
				'~~~' // 30
			)
		);
		expect(problems).toEqual([]);
		expect(copies).toEqual([
			{ path: 'src/hooks.server.ts', line: 2, content: '// src/hooks.server.ts\nexport const handle = 1;\n' },
			{ path: '.env', line: 7, content: 'A=1\n# B=   a comment\n' },
			{ path: 'src/routes/+page.svelte', line: 12, content: '<!-- src/routes/+page.svelte -->\n```not a fence end```\n' }
		]);
		expect(runs).toEqual([
			{ phase: 'setup', line: 17, commands: 'npm install -D x   # a comment\n' },
			{ phase: 'test', line: 27, commands: 'node --test\n' }
		]);
	});

	it('refuses a block that names a file without a marker, so no copyable block goes untested', () => {
		const { copies, problems } = parseReadmeBlocks(md('text', '```svelte', '<!-- src/routes/login/+page.svelte -->', '<h1>x</h1>', '```', '```js', '// tests/a.test.js (JavaScript)', '```'));
		expect(copies).toEqual([]);
		expect(problems).toEqual([
			'README.md:2: the block names src/routes/login/+page.svelte but has no <!-- copy: src/routes/login/+page.svelte --> marker, so no test copies it',
			'README.md:6: the block names tests/a.test.js but has no <!-- copy: tests/a.test.js --> marker, so no test copies it'
		]);
	});

	it('refuses markers that cannot be placed: no block under them, a path outside the app, a second copy of a path, a header that disagrees', () => {
		const { copies, runs, problems } = parseReadmeBlocks(
			md(
				'<!-- copy: src/a.ts -->', // 1
				'', // 2
				'```ts', // 3
				'```', // 4
				'<!-- copy: ../outside.ts -->', // 5
				'```ts', // 6
				'```', // 7
				'<!-- copy: /etc/passwd -->', // 8
				'```', // 9
				'```', // 10
				'<!-- copy: node_modules/x/index.js -->', // 11
				'```js', // 12
				'```', // 13
				'<!-- copy: src/b.ts -->', // 14
				'```ts', // 15
				'// src/c.ts', // 16
				'```', // 17
				'<!-- copy: src/d.ts -->', // 18
				'```ts', // 19
				'```', // 20
				'<!-- copy: src/d.ts -->', // 21
				'```ts', // 22
				'```', // 23
				'<!-- run: later -->', // 24
				'```sh', // 25
				'```', // 26
				'<!-- copy src/e.ts -->', // 27
				'<!-- copy: src/f.ts -->' // 28
			)
		);
		expect(problems).toEqual([
			'README.md:1: the copy marker for src/a.ts is not directly followed by a fenced block',
			'README.md:5: copy marker path "../outside.ts": not a plain path inside the app',
			'README.md:8: copy marker path "/etc/passwd": not a relative POSIX path',
			'README.md:11: copy marker path "node_modules/x/index.js": inside node_modules/, which tools own',
			'README.md:14: the copy marker says src/b.ts but the block\'s first line names src/c.ts',
			'README.md:21: src/d.ts is already copied from the block at README.md:18; one app has one file per path',
			'README.md:24: run marker phase "later" is not one of setup, test',
			'README.md:27: unreadable marker <!-- copy src/e.ts --> (expected <!-- copy: path --> or <!-- run: setup|test -->)',
			'README.md:28: the copy marker for src/f.ts is not directly followed by a fenced block'
		]);
		expect(copies.map((c) => c.path)).toEqual(['src/d.ts']);
		expect(runs).toEqual([]);
	});

	it('ignores marker-like lines inside a fenced block (they are code)', () => {
		const { copies, problems } = parseReadmeBlocks(md('```md', '<!-- copy: src/x.ts -->', '```'));
		expect(problems).toEqual([]);
		expect(copies).toEqual([]);
	});
});
