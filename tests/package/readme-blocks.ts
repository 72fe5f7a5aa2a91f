// The README's executable parts, as README.md marks them for readme-app.test.ts:
//
//   <!-- copy: src/hooks.server.ts -->   the fenced block on the next line is that whole file of the app
//   <!-- run: setup -->                  shell commands run in the app before `npm run dev`
//   <!-- run: test -->                   shell commands run in the app while it and the IdP are running
//
// A block that names a file in its first line (`// src/x.ts`, `<!-- src/x.svelte -->`, `# .env`) claims
// to be copyable, so it must carry a copy marker for the same path; a marker that cannot be placed (no
// block under it, a path outside the app, the same path twice, an unknown kind) is a problem too.

export interface CopyBlock {
	/** Path inside the app, POSIX, relative. */
	path: string;
	/** The block's text, verbatim, with a final newline. */
	content: string;
	/** 1-based line of the marker in the markdown. */
	line: number;
}

export type RunPhase = 'setup' | 'test';

export interface RunBlock {
	phase: RunPhase;
	/** The block's text, verbatim: shell commands for `sh -e`. */
	commands: string;
	line: number;
}

export interface ReadmeBlocks {
	copies: CopyBlock[];
	runs: RunBlock[];
	/** One line per block that cannot be used as marked, each starting `README.md:<line>`. */
	problems: string[];
}

const PHASES: readonly RunPhase[] = ['setup', 'test'];
const MARKER = /^<!--\s*(copy|run)\s*:\s*(.*?)\s*-->\s*$/;
const LOOKS_LIKE_MARKER = /^<!--\s*(copy|run)\b/i;
const FENCE = /^\s*(`{3,}|~{3,})/;
/** A first line naming a file: a comment opener, then a path with a dot in its last segment. */
const FILE_HEADER = /^\s*(?:\/\/|#|<!--)\s*((?:[\w.@$+()[\]-]+\/)*[\w@$+()[\]-]*\.[\w.]+)(?=\s|-->|$)/;

/** Where a path may go: relative, inside the app, not into what tools own. */
function pathProblem(path: string): string | undefined {
	if (path === '') return 'no path';
	if (path.startsWith('/') || /^[a-z]:/i.test(path) || path.includes('\\')) return 'not a relative POSIX path';
	const segments = path.split('/');
	if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'not a plain path inside the app';
	if (!/^[\w.@$+()[\]-]+$/.test(segments.join(''))) return 'characters a file name should not have';
	if (['node_modules', '.svelte-kit', '.git', 'build'].includes(segments[0])) return `inside ${segments[0]}/, which tools own`;
	return undefined;
}

export function parseReadmeBlocks(markdown: string): ReadmeBlocks {
	const lines = markdown.split('\n');
	const copies: CopyBlock[] = [];
	const runs: RunBlock[] = [];
	const problems: string[] = [];
	const firstLineOf = new Map<string, number>();
	let pending: { kind: 'copy' | 'run'; argument: string; line: number } | undefined;

	for (let i = 0; i < lines.length; i++) {
		const at = i + 1;
		const open = FENCE.exec(lines[i]);
		if (!open) {
			if (pending) {
				problems.push(`README.md:${pending.line}: the ${pending.kind} marker for ${pending.argument || '(nothing)'} is not directly followed by a fenced block`);
				pending = undefined;
			}
			const marker = MARKER.exec(lines[i]);
			if (marker) pending = { kind: marker[1] as 'copy' | 'run', argument: marker[2], line: at };
			else if (LOOKS_LIKE_MARKER.test(lines[i])) problems.push(`README.md:${at}: unreadable marker ${lines[i].trim()} (expected <!-- copy: path --> or <!-- run: ${PHASES.join('|')} -->)`);
			continue;
		}
		// A fenced block: lines[i] opens it, lines[end] closes it (or the file ends).
		const fence = open[1];
		let end = i + 1;
		while (end < lines.length && !lines[end].trim().startsWith(fence)) end++;
		const body = lines.slice(i + 1, end);
		const content = body.join('\n') + '\n';
		const header = FILE_HEADER.exec(body[0] ?? '')?.[1];
		const marker = pending;
		pending = undefined;

		if (marker?.kind === 'copy') {
			const problem = pathProblem(marker.argument);
			if (problem) problems.push(`README.md:${marker.line}: copy marker path ${JSON.stringify(marker.argument)}: ${problem}`);
			else if (header !== undefined && header !== marker.argument) {
				problems.push(`README.md:${marker.line}: the copy marker says ${marker.argument} but the block's first line names ${header}`);
			} else if (firstLineOf.has(marker.argument)) {
				problems.push(`README.md:${marker.line}: ${marker.argument} is already copied from the block at README.md:${firstLineOf.get(marker.argument)}; one app has one file per path`);
			} else {
				firstLineOf.set(marker.argument, marker.line);
				copies.push({ path: marker.argument, content, line: marker.line });
			}
		} else if (marker?.kind === 'run') {
			if (!PHASES.includes(marker.argument as RunPhase)) {
				problems.push(`README.md:${marker.line}: run marker phase ${JSON.stringify(marker.argument)} is not one of ${PHASES.join(', ')}`);
			} else runs.push({ phase: marker.argument as RunPhase, commands: content, line: marker.line });
		} else if (header !== undefined) {
			problems.push(`README.md:${at}: the block names ${header} but has no <!-- copy: ${header} --> marker, so no test copies it`);
		}
		i = end;
	}
	if (pending) problems.push(`README.md:${pending.line}: the ${pending.kind} marker for ${pending.argument || '(nothing)'} is not directly followed by a fenced block`);
	return { copies, runs, problems };
}
