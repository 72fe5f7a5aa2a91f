// Node 20 (the machine's, the one running the tests) and Node 22 (npm's `node` package): the
// adapter-node build, `node build/index.js`.
import { join } from 'node:path';
import { NODE22_VERSION } from '../../../scripts/node22.mjs';
import { adapterNodeEnv, startServer, type RuntimeLauncher } from './process.js';

function nodeLauncher(name: 'node20' | 'node22', version: RegExp, title: string): RuntimeLauncher {
	return {
		name,
		title,
		expected: { name: 'node', version },
		start: (prepared, port, env) =>
			startServer(prepared.binaries[name], [join('build', 'index.js')], { cwd: prepared.app, env: adapterNodeEnv(port, env), url: `http://127.0.0.1:${port}` })
	};
}

export const node20 = nodeLauncher('node20', /^20\./, `Node ${process.versions.node}`);
export const node22 = nodeLauncher('node22', new RegExp(`^${NODE22_VERSION.replace(/\./g, '\\.')}$`), `Node ${NODE22_VERSION}`);
