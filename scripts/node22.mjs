// Node 22 from npm's `node` package (the binary ships inside the registry package), in .tools/ (git-ignored):
// the Node that SvelteKit 3 (scripts/test-kit3.mjs) and wrangler (tests/runtimes/) need, on a machine
// whose own Node is 20. One version and one place for both.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const NODE22_VERSION = '22.23.3';
export const TOOLS = join(ROOT, '.tools');
/** The folder of the `node` (and `npm`-usable) binary: put it first on PATH to run npm on Node 22. */
export const NODE22_BIN = join(TOOLS, 'node_modules', '.bin');
export const NODE22 = join(NODE22_BIN, 'node');

/** The installed Node 22's `--version`, or null. */
export function node22Version() {
	if (!existsSync(NODE22)) return null;
	const r = spawnSync(NODE22, ['--version'], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Installs Node 22 into .tools/ unless that version is there; returns its version or null.
 * @param {{ stdio?: 'inherit' | 'ignore' }} [options]
 */
export function ensureNode22({ stdio = 'inherit' } = {}) {
	if (node22Version() !== `v${NODE22_VERSION}`) {
		spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel', 'error', '--prefix', TOOLS, `node@${NODE22_VERSION}`], {
			cwd: ROOT,
			stdio
		});
	}
	const version = node22Version();
	return version === `v${NODE22_VERSION}` ? version : null;
}
