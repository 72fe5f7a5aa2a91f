import * as oauth from 'oauth4webapi';
import type { Clock } from '../../clock.js';
import { DEFAULTS } from '../../defaults.js';
import { AuthError } from '../../errors.js';

/** Options shared by everything that talks to the authorization server. */
export interface ServerConnection {
	issuer: URL;
	fetch: typeof fetch;
	timeoutMs: number;
	allowInsecureRequests: boolean;
	clock: Clock;
}

/** oauth4webapi's request options for one call: the app's fetch, the timeout, the http opt-in. */
export function requestOptions(connection: Pick<ServerConnection, 'fetch' | 'timeoutMs' | 'allowInsecureRequests'>) {
	return {
		[oauth.customFetch]: connection.fetch,
		[oauth.allowInsecureRequests]: connection.allowInsecureRequests,
		signal: AbortSignal.timeout(connection.timeoutMs)
	};
}

/**
 * Fetches the authorization server's metadata once and keeps it for an hour; a failed fetch is not
 * cached, so the next caller tries again. An `issuer` in the document that differs from the
 * configured one is a configuration error (OIDC Discovery §4.3), which oauth4webapi enforces.
 */
export function createDiscovery(connection: ServerConnection) {
	let cached: { metadata: oauth.AuthorizationServer; fetchedAt: number } | undefined;
	let inflight: Promise<oauth.AuthorizationServer> | undefined;

	async function load(): Promise<oauth.AuthorizationServer> {
		try {
			const response = await oauth.discoveryRequest(connection.issuer, { ...requestOptions(connection), algorithm: 'oidc' });
			const metadata = await oauth.processDiscoveryResponse(connection.issuer, response);
			cached = { metadata, fetchedAt: connection.clock() };
			return metadata;
		} catch (cause) {
			if (cause instanceof oauth.OperationProcessingError && cause.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
				throw new AuthError('invalid_response', `the discovery document of ${connection.issuer.href} names another issuer`, { cause });
			}
			const timeout = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
			throw new AuthError(timeout ? 'timeout' : 'network_error', `discovery of ${connection.issuer.href} failed`, { cause });
		} finally {
			inflight = undefined;
		}
	}

	return {
		/** The metadata, from cache when fresh. Concurrent callers share one request. */
		get(): Promise<oauth.AuthorizationServer> {
			if (cached && connection.clock() - cached.fetchedAt < DEFAULTS.server.discoveryTtlMs) return Promise.resolve(cached.metadata);
			return (inflight ??= load());
		},
		/** Forgets the metadata, after a failure that may come from stale metadata. */
		invalidate() {
			cached = undefined;
		}
	};
}

export type Discovery = ReturnType<typeof createDiscovery>;
