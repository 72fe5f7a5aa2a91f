import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// One production build of the demo for every integration test (vite build with adapter-node).
// SKIP_BUILD=1 reuses an existing build/ while iterating locally.
export default function setup() {
	if (process.env.SKIP_BUILD === '1') return;
	const root = fileURLToPath(new URL('../..', import.meta.url));
	execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
}
