import { importJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import type { ClientAuthConfig } from '../config/client-auth-config.js';

/**
 * The oauth4webapi client authentication of a validated `clientAuth`: one value, used by every call
 * that authenticates the client (PAR, token, refresh, revocation), so no call can use another method.
 * A private JWK is imported on first use and kept (not extractable).
 */
export function createClientAuth(config: ClientAuthConfig): oauth.ClientAuth {
	switch (config.method) {
		case 'client_secret_basic':
			return oauth.ClientSecretBasic(config.secret);
		case 'client_secret_post':
			return oauth.ClientSecretPost(config.secret);
		case 'none':
			return oauth.None();
		case 'private_key_jwt': {
			const { kid, alg } = config;
			let signer: Promise<oauth.ClientAuth> | undefined;
			const load = async (): Promise<oauth.ClientAuth> => {
				const given = config.key;
				const key =
					typeof CryptoKey !== 'undefined' && given instanceof CryptoKey
						? given
						: ((await importJWK({ ...(given as JsonWebKey), ext: false } as Parameters<typeof importJWK>[0], alg)) as CryptoKey);
				return oauth.PrivateKeyJwt(kid === undefined ? key : { key, kid });
			};
			return async (as, client, body, headers) => {
				// A failed import is not kept: the next call tries again (and fails the same way, visibly).
				signer ??= load().catch((error: unknown) => {
					signer = undefined;
					throw error;
				});
				const auth = await signer;
				await auth(as, client, body, headers);
			};
		}
	}
}
