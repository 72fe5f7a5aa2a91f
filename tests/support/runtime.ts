// A runtime built straight from the composition root, for unit tests of what it wires together
// (refresher, session resolution) without a hook in front.
import { resolveSharedConfig, type SharedOptions } from '../../src/lib/server/config/shared-config.js';
import type { AuthErrorInfo } from '../../src/lib/server/http/error-reporter.js';
import { buildRuntime, type Runtime } from '../../src/lib/server/runtime/runtime.js';
import { TEST_SECRET } from './fake-event.js';

export function testRuntime(options: Partial<SharedOptions> = {}): Runtime {
	const all = { issuer: 'https://idp.example', clientId: 'app', secret: TEST_SECRET, ...options } as SharedOptions;
	const loggers = new Set<(info: AuthErrorInfo) => unknown>(all.onError ? [all.onError] : []);
	return buildRuntime(resolveSharedConfig('test', all), { entryPoints: new Set(), loggers, transactionOrigin: undefined });
}
