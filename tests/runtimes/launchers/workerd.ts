// workerd under `wrangler dev` (local mode, wrangler from npm, run by the Node 22 from npm): the
// adapter-cloudflare build, configured by the app's wrangler.jsonc with `no_nodejs_compat` — no
// process.env, so the app passes `secret` and `origin` from its bindings ($env/dynamic/private).
// The variables are bindings given with --var; the inspector gets a free port, never 9229.
import { NODE22 } from '../../../scripts/node22.mjs';
import { freePort } from '../../support/app-server.js';
import { RUNTIME_PACKAGES } from '../runtime-app.js';
import { startServer, type RuntimeLauncher } from './process.js';

export const workerd: RuntimeLauncher = {
	name: 'workerd',
	title: `workerd (wrangler ${RUNTIME_PACKAGES.wrangler} dev, adapter-cloudflare, no nodejs_compat)`,
	expected: { name: 'workerd', version: null },
	async start(prepared, port, env) {
		const vars = Object.entries(env).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
		const args = [prepared.binaries.workerd, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--log-level', 'warn', ...vars];
		return startServer(NODE22, args, {
			cwd: prepared.app,
			// No calls out: no metrics, and no fetch of the `Request.cf` placeholder from workers.cloudflare.com.
			env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true', NO_COLOR: '1' },
			url: `http://127.0.0.1:${port}`,
			timeoutMs: 90_000
		});
	}
};
