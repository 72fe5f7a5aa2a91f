// Bun from npm's `bun` package: the adapter-node build, `bun build/index.js`. Needs nothing else.
import { join } from 'node:path';
import { RUNTIME_PACKAGES } from '../runtime-app.js';
import { adapterNodeEnv, startServer, type RuntimeLauncher } from './process.js';

export const bun: RuntimeLauncher = {
	name: 'bun',
	title: `Bun ${RUNTIME_PACKAGES.bun}`,
	expected: { name: 'bun', version: new RegExp(`^${RUNTIME_PACKAGES.bun.replace(/\./g, '\\.')}$`) },
	start: (prepared, port, env) =>
		startServer(prepared.binaries.bun, [join('build', 'index.js')], { cwd: prepared.app, env: adapterNodeEnv(port, env), url: `http://127.0.0.1:${port}` })
};
