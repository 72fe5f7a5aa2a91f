// Facts about the JavaScript environment (development or production, environment variables), read
// without `node:` imports or `$env`, so the package runs on Node, Deno, Bun and edge runtimes alike.

interface ProcessLike {
	env?: Record<string, string | undefined>;
}

/** Reads an environment variable where the runtime has `process.env` (Node, Bun, Deno's compat). */
export function readEnv(name: string): string | undefined {
	const proc = (globalThis as { process?: ProcessLike }).process;
	const value = proc?.env?.[name];
	return value === '' ? undefined : value;
}

/**
 * True in development. Vite replaces `import.meta.env.DEV` when it bundles the package into the app
 * (the package is exported with the `svelte` condition for that reason); elsewhere only an explicit
 * `NODE_ENV=development` or `NODE_ENV=test` counts. Anything else is production: the relaxed
 * development rules (ephemeral secret, redirect URI from the request, http issuers) fail closed.
 */
export function isDevelopment(): boolean {
	const env = (import.meta as ImportMeta & { env?: { DEV?: boolean } }).env;
	if (env && typeof env.DEV === 'boolean') return env.DEV;
	const mode = readEnv('NODE_ENV');
	return mode === 'development' || mode === 'test';
}

const warned = new Set<string>();

/** Logs a warning once per process and key: insecure opt-outs must be loud but not flood logs. */
export function warnOnce(key: string, message: string): void {
	if (warned.has(key)) return;
	warned.add(key);
	console.warn(`[sveltekit-sso] ${message}`);
}
