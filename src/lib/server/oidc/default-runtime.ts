import { issuerKey } from './claims.js';
import type { OidcRuntime } from './options.js';

// The app's createAuthHandle, so a handoff for the same issuer and client can give its session a
// refresh-token family (and end the previous one) through the same store and rotation rules.
const runtimes: OidcRuntime[] = [];

export function registerOidcRuntime(runtime: OidcRuntime): void {
	runtimes.push(runtime);
}

/** The createAuthHandle runtime for this issuer and client, if the app has one. */
export function oidcRuntimeFor(issuer: string, clientId: string): OidcRuntime | undefined {
	const key = issuerKey(issuer);
	return runtimes.find((r) => r.issuerKey === key && r.clientId === clientId);
}
