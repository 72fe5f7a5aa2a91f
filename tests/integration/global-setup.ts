import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One production build of the demo (vite build, adapter-node) for every integration test of this
 * run, in a folder of its own (SSO_BUILD_OUT, read by tests/support/app-server.ts), so concurrent
 * runs never share output. SKIP_BUILD=1 reuses `build/` from a plain `vite build` while iterating.
 */
export default function setup() {
	if (process.env.SKIP_BUILD === '1') {
		process.env.SSO_TEST_BUILD = 'build';
		return;
	}
	const base = `.tmp/run-${process.pid}`;
	// A production build, as apps ship: vitest runs with NODE_ENV=test, and Vite would otherwise make a
	// development build in which the SDK applies its development rules (import.meta.env.DEV).
	const env = { ...process.env, NODE_ENV: 'production', SSO_KIT_OUT: `${base}/kit`, SSO_BUILD_OUT: `${base}/build` };
	execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], { cwd: root, stdio: 'inherit', env });
	process.env.SSO_TEST_BUILD = `${base}/build`;
	return () => {
		if (existsSync(`${root}/${base}`)) rmSync(`${root}/${base}`, { recursive: true, force: true });
	};
}
