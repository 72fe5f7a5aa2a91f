import { issuerKey } from './claims.js';
import type { OidcRuntime } from './options.js';

// The app's createAuthHandle, so a handoff for the same issuer and client can give its session a
// refresh-token family (and end the previous one) through the same store and rotation rules.
// Keyed by issuer and client; the latest registration wins (a hooks file reloaded in development).
const runtimes = new Map<string, OidcRuntime>();

export function registerOidcRuntime(runtime: OidcRuntime): void {
	runtimes.set(`${runtime.issuerKey}\u0000${runtime.clientId}`, runtime);
}

/** The createAuthHandle runtime for this issuer and client, if the app has one. */
export function oidcRuntimeFor(issuer: string, clientId: string): OidcRuntime | undefined {
	return runtimes.get(`${issuerKey(issuer)}\u0000${clientId}`);
}
