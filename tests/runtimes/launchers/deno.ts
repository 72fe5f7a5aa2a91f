// Deno from npm's `deno` package: the adapter-node build under `deno run` with the fewest
// permissions it works with (README "What each runtime needs"):
//   --allow-env          unscoped: SvelteKit enumerates the whole environment for $env/dynamic
//                        (a list of names is refused: `Requires env access`), and adapter-node reads
//                        HOST, PORT, ORIGIN, XFF_DEPTH, *_HEADER, BODY_SIZE_LIMIT …
//   --allow-net=<hosts>  the address it listens on and the identity provider's host (here both
//                        127.0.0.1)
//   --allow-read=build   the build itself (adapter-node serves build/client from disk)
import { join } from 'node:path';
import { RUNTIME_PACKAGES } from '../runtime-app.js';
import { adapterNodeEnv, startServer, type RuntimeLauncher } from './process.js';

export const DENO_PERMISSIONS = ['--allow-env', '--allow-net=127.0.0.1', '--allow-read=build'];

export const deno: RuntimeLauncher = {
	name: 'deno',
	title: `Deno ${RUNTIME_PACKAGES.deno} (${DENO_PERMISSIONS.join(' ')})`,
	expected: { name: 'deno', version: new RegExp(`^${RUNTIME_PACKAGES.deno.replace(/\./g, '\\.')}$`) },
	start: (prepared, port, env) =>
		startServer(prepared.binaries.deno, ['run', '--no-prompt', ...DENO_PERMISSIONS, join('build', 'index.js')], {
			cwd: prepared.app,
			env: { ...adapterNodeEnv(port, env), DENO_NO_UPDATE_CHECK: '1' },
			url: `http://127.0.0.1:${port}`
		})
};
