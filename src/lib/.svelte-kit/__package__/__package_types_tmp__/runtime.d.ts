/** Reads an environment variable where the runtime has `process.env` (Node, Bun, Deno's compat). */
export declare function readEnv(name: string): string | undefined;
/**
 * True in development. Vite replaces `import.meta.env.DEV` when it bundles the package into the app
 * (the package is exported with the `svelte` condition for that reason); elsewhere `NODE_ENV` decides.
 */
export declare function isDevelopment(): boolean;
/** Logs a warning once per process and key: insecure opt-outs must be loud but not flood logs. */
export declare function warnOnce(key: string, message: string): void;
