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
 * The environment variables the SDK falls back to when an option is not given: `AUTH_SECRET` for
 * `secret`, `ORIGIN` (adapter-node's) for `origin`. This is the one place they are read, for every
 * entry point (both hooks, `verifyHandoffToken`, the provider, the test minter), from `process.env`
 * only: SvelteKit's private env (`.env` under `vite dev`, a Worker's bindings) is not visible to a
 * package, so an app that keeps them there passes them as options.
 */
export const ENV_DEFAULTS = { secret: 'AUTH_SECRET', origin: 'ORIGIN' } as const;

/** The environment's value for an option's fallback, or undefined. */
export function envDefault(option: keyof typeof ENV_DEFAULTS): string | undefined {
	return readEnv(ENV_DEFAULTS[option]);
}

/**
 * How to supply a required option that is missing, for a startup error: "or set AUTH_SECRET" where the
 * runtime has `process.env`; where it has none (Cloudflare Workers without `nodejs_compat`), setting the
 * variable cannot help, so the message says to pass the option and where its value can come from.
 */
export function missingOptionHint(option: keyof typeof ENV_DEFAULTS): string {
	const proc = (globalThis as { process?: ProcessLike }).process;
	// workerd without nodejs_compat still has a `process` whose `env` is an empty object that the Worker's
	// variables never reach: an empty environment is no environment.
	if (proc?.env && typeof proc.env === 'object' && Object.keys(proc.env).length > 0) return `or set ${ENV_DEFAULTS[option]}`;
	return `this runtime has no process.env, so ${ENV_DEFAULTS[option]} cannot be read: pass options.${option} explicitly (e.g. from event.platform.env or $env/dynamic/private)`;
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
