// The README's code must work when pasted: every import a fenced ts/js/svelte block shows from the
// package (or one of its subpaths) is checked against the packed package installed in the fresh app —
// the types by compiling one generated file that imports every name (tsc, the app's own tsconfig), the
// values by importing each module in Node from the app folder and looking the name up.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, run } from './fresh-app.js';

export type ImportKind = 'value' | 'type' | 'default' | 'namespace' | 'side-effect';

export interface ReadmeImport {
	/** The module specifier, e.g. `sveltekit-sso/server`. */
	module: string;
	/** The exported name (`default` for a default import, `*` for a namespace or side-effect import). */
	name: string;
	kind: ImportKind;
	/** 1-based line in the markdown where the import statement starts. */
	line: number;
	/** The statement as written (whitespace collapsed), for messages. */
	statement: string;
}

const CODE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'cjs', 'mts', 'cts', 'tsx', 'jsx', 'svelte']);

/** Every import of `packageName` or `packageName/<subpath>` in the markdown's ts, js and svelte fences. */
export function parseReadmeImports(markdown: string, packageName: string): ReadmeImport[] {
	const lines = markdown.split('\n');
	const imports: ReadmeImport[] = [];
	const ours = (spec: string) => spec === packageName || spec.startsWith(`${packageName}/`);
	for (let i = 0; i < lines.length; i++) {
		const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
		if (!open) continue;
		const fence = open[1];
		const language = open[2].toLowerCase();
		const start = i + 1;
		let end = start;
		while (end < lines.length && !lines[end].trim().startsWith(fence)) end++;
		if (CODE_LANGUAGES.has(language)) {
			const block = lines.slice(start, end).join('\n');
			const lineOf = (index: number) => start + 1 + block.slice(0, index).split('\n').length - 1;
			// Static imports, one clause (default, namespace, named, or default + one of those).
			const staticImport = /^[ \t]*import\s+(type\s+)?([\w$\s{},*]+?)\s*from\s*['"]([^'"]+)['"]/gm;
			for (const match of block.matchAll(staticImport)) {
				const [statement, typeOnly, clause, module] = match;
				if (!ours(module)) continue;
				const at = { module, line: lineOf(match.index), statement: statement.trim().replace(/\s+/g, ' ') };
				for (const item of parseClause(clause, !!typeOnly)) imports.push({ ...at, ...item });
			}
			for (const match of block.matchAll(/^[ \t]*import\s*['"]([^'"]+)['"]/gm)) {
				if (ours(match[1])) imports.push({ module: match[1], name: '*', kind: 'side-effect', line: lineOf(match.index), statement: match[0].trim() });
			}
			for (const match of block.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
				if (ours(match[1])) imports.push({ module: match[1], name: '*', kind: 'namespace', line: lineOf(match.index), statement: match[0] });
			}
		}
		i = end;
	}
	return imports;
}

function parseClause(clause: string, typeOnly: boolean): { name: string; kind: ImportKind }[] {
	const items: { name: string; kind: ImportKind }[] = [];
	const named = /\{([^}]*)\}/.exec(clause);
	const rest = clause.replace(/\{[^}]*\}/, '').trim();
	for (const part of rest.split(',').map((p) => p.trim()).filter(Boolean)) {
		if (part.startsWith('*')) items.push({ name: '*', kind: typeOnly ? 'type' : 'namespace' });
		else items.push({ name: 'default', kind: typeOnly ? 'type' : 'default' });
	}
	for (const part of (named?.[1] ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
		const typed = /^type\s+/.test(part);
		const name = part.replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
		items.push({ name, kind: typeOnly || typed ? 'type' : 'value' });
	}
	return items;
}

function describeImport(entry: ReadmeImport): string {
	const what = entry.kind === 'namespace' || entry.kind === 'side-effect' ? `'${entry.module}'` : `${entry.kind === 'type' ? 'type ' : ''}${entry.name} from '${entry.module}'`;
	return `README.md:${entry.line} imports ${what} (\`${entry.statement}\`)`;
}

/**
 * Checks every import against the package installed in `appDir`; returns one line per problem, each
 * naming the import, empty when all resolve. `folder` (under appDir, outside the app's tsconfig) holds
 * the generated readme-imports.ts and its tsconfig.
 */
export async function checkReadmeImports(appDir: string, imports: ReadmeImport[], folder = 'readme-imports'): Promise<string[]> {
	const problems: string[] = [];
	if (imports.length === 0) return ['the README shows no import of the package: the parser found nothing to check'];

	// Types (and values, as the compiler sees them): one line of the generated file per README import,
	// so a compiler error's line number names the import. A value import is also used as a value, so
	// a type-only export named in `import { X }` fails too.
	const dir = join(appDir, folder);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	const source = ['// Generated by tests/package/readme-imports-check.ts: every import README.md shows, one per line.'];
	const lineOf = new Map<number, ReadmeImport>();
	imports.forEach((entry, i) => {
		const local = `readme${i}`;
		const m = JSON.stringify(entry.module);
		const code =
			entry.kind === 'value'
				? `import { ${entry.name} as ${local} } from ${m}; export const use${i} = ${local};`
				: entry.kind === 'type' && entry.name === '*'
					? `import type * as ${local} from ${m}; export type { ${local} };`
					: entry.kind === 'type'
						? `import type { ${entry.name} as ${local} } from ${m}; export type { ${local} };`
						: entry.kind === 'default'
							? `import ${local} from ${m}; export const use${i} = ${local};`
							: `import * as ${local} from ${m}; export const use${i} = ${local};`;
		source.push(code);
		lineOf.set(source.length, entry);
	});
	writeFileSync(join(dir, 'readme-imports.ts'), source.join('\n') + '\n');
	writeFileSync(
		join(dir, 'tsconfig.json'),
		JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true }, include: ['readme-imports.ts'] }, null, '\t') + '\n'
	);
	// Both checks at once: tsc is most of the cost.
	const [tsc, valueProblems] = await Promise.all([
		run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(folder, 'tsconfig.json'), '--pretty', 'false'], { cwd: appDir, allowFailure: true }),
		checkValues(appDir, imports)
	]);
	const unexplained: string[] = [];
	for (const message of tsc.output.split('\n').filter((l) => /error TS\d+/.test(l))) {
		const at = /readme-imports\.ts\((\d+),\d+\): (error TS\d+: .*)$/.exec(message);
		const entry = at && lineOf.get(Number(at[1]));
		if (entry) problems.push(`${describeImport(entry)}: tsc: ${at[2]}`);
		else unexplained.push(message);
	}
	if (unexplained.length || (tsc.code !== 0 && problems.length === 0)) problems.push(`tsc -p ${folder} exited ${tsc.code}:\n${unexplained.join('\n') || tsc.output}`);
	return [...problems, ...valueProblems];
}

async function checkValues(appDir: string, imports: ReadmeImport[]): Promise<string[]> {
	const problems: string[] = [];
	// Values at run time: Node's own resolver from the app folder. ./testing/vitest imports vitest, an
	// optional peer the fresh app does not install; an app that uses ./testing/vitest has it, so a resolve
	// hook lends this repository's vitest when (and only when) the app cannot resolve it.
	const modules = [...new Set(imports.filter((e) => e.kind !== 'type').map((e) => e.module))];
	if (modules.length) {
		const hook = `export async function resolve(specifier, context, next) {
			try { return await next(specifier, context); }
			catch (error) {
				if (specifier === 'vitest' || specifier.startsWith('vitest/')) return next(specifier, { ...context, parentURL: ${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)} });
				throw error;
			}
		}`;
		const script = `import { register } from 'node:module';
			register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
			const r = {};
			for (const m of ${JSON.stringify(modules)}) {
				try { r[m] = { keys: Object.keys(await import(m)) }; } catch (e) { r[m] = { error: String(e?.message ?? e).split('\\n')[0] }; }
			}
			console.log(JSON.stringify(r));`;
		const node = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir });
		const loaded: Record<string, { keys?: string[]; error?: string }> = JSON.parse(node.output.trim().split('\n').pop()!);
		for (const entry of imports) {
			if (entry.kind === 'type') continue;
			const result = loaded[entry.module];
			if (result.error !== undefined) problems.push(`${describeImport(entry)}: node cannot import '${entry.module}': ${result.error}`);
			else if ((entry.kind === 'value' || entry.kind === 'default') && !result.keys!.includes(entry.name)) {
				problems.push(`${describeImport(entry)}: '${entry.module}' has no export ${entry.name} at run time (it exports ${result.keys!.join(', ') || 'nothing'})`);
			}
		}
	}
	return problems;
}
