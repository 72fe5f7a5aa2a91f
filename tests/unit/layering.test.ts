import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layout shows the architecture (docs/ARCHITECTURE.md): no import cycle between files of
// src/lib, no folder importing one above it, and no entry point of src/lib/server imported by the
// feature folders below it.
const LIB = fileURLToPath(new URL('../../src/lib', import.meta.url));

// Lower ranks are lower layers; a file may import its own folder, or a folder of a lower rank.
const RANK: Record<string, number> = { '(root)': 0, crypto: 1, http: 1, cookies: 2, stores: 2, redis: 3, postgres: 3, provider: 3, server: 4, client: 4, testing: 5 };

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
	});
}

function imports(file: string): string[] {
	const text = readFileSync(file, 'utf8');
	const found: string[] = [];
	for (const match of text.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g)) {
		const base = resolve(dirname(file), match[1]);
		const target = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile());
		if (target) found.push(target);
	}
	return found;
}

const files = sourceFiles(LIB);
const graph = new Map(files.map((file) => [file, imports(file)]));
const top = (file: string) => {
	const rel = relative(LIB, file);
	return rel.includes('/') ? rel.split('/')[0] : '(root)';
};

describe('the layout of src/lib', () => {
	it('has no import cycle', () => {
		const cycles: string[] = [];
		const state = new Map<string, 'open' | 'done'>();
		const visit = (file: string, path: string[]) => {
			if (state.get(file) === 'done') return;
			if (state.get(file) === 'open') {
				cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(LIB, f)).join(' → '));
				return;
			}
			state.set(file, 'open');
			for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
			state.set(file, 'done');
		};
		for (const file of files) visit(file, []);
		expect(cycles).toEqual([]);
	});

	it('imports no folder above its own', () => {
		const upward: string[] = [];
		for (const [file, targets] of graph) {
			if (relative(LIB, file) === 'index.ts') continue; // the client entry re-exports what it offers
			for (const target of targets) {
				const [a, b] = [top(file), top(target)];
				if (a !== b && (RANK[b] ?? 4) > (RANK[a] ?? 4)) upward.push(`${relative(LIB, file)} → ${relative(LIB, target)}`);
				if (a === 'client' && b === 'server') upward.push(`${relative(LIB, file)} → ${relative(LIB, target)}`);
			}
		}
		expect(upward).toEqual([]);
	});

	it('never imports an entry point of src/lib/server from its feature folders', () => {
		const server = join(LIB, 'server');
		const entry = (file: string) => dirname(file) === server;
		const wrong: string[] = [];
		for (const [file, targets] of graph) {
			if (!file.startsWith(server + '/') || entry(file)) continue;
			for (const target of targets) if (entry(target)) wrong.push(`${relative(LIB, file)} → ${relative(LIB, target)}`);
		}
		expect(wrong).toEqual([]);
	});

	it('uses no static node: import in the package', () => {
		const offenders = files.filter((file) => /from\s+['"]node:|require\(['"]node:/.test(readFileSync(file, 'utf8')));
		expect(offenders.map((f) => relative(LIB, f))).toEqual([]);
	});
});
