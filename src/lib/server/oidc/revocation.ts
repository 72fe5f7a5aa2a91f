import * as oauth from 'oauth4webapi';
import type { Clock } from '../../clock.js';
import type { DpopPrivateJwk } from '../../crypto/dpop/dpop-key.js';
import type { DpopNonceMemory } from '../../crypto/dpop/dpop-nonce-memory.js';
import { dpopHeader } from './dpop-binding.js';
import type { AuthErrorInfo, ErrorReporter } from '../http/error-reporter.js';
import { requestOptions, type ServerConnection } from '../http/discovery.js';
import { describe, tokenEndpointErrorCode } from '../http/protocol-errors.js';

/** What a revocation needs of the runtime (the refresher's dependencies provide it too). */
export interface RevocationDeps {
	readonly client: oauth.Client;
	readonly clientAuth: oauth.ClientAuth;
	readonly connection: ServerConnection;
	readonly report: ErrorReporter;
	readonly dpopNonces: DpopNonceMemory;
	readonly clock: Clock;
}

/** Tokens the SDK obtained and will not keep. */
export interface DiscardedTokens {
	readonly refreshToken?: string | undefined;
	readonly accessToken?: string | undefined;
	/** The DPoP key the tokens are bound to, when they are. */
	readonly dpop?: DpopPrivateJwk | undefined;
}

type Phase = NonNullable<AuthErrorInfo['phase']>;

/**
 * Revokes one token at the authorization server's revocation endpoint (RFC 7009). Best effort: a
 * failure is reported and never thrown, because whoever asks has already ended the session locally.
 * Without a revocation endpoint it does nothing and says so by answering false.
 */
export async function revokeToken(
	runtime: RevocationDeps,
	as: oauth.AuthorizationServer,
	token: string,
	hint: 'refresh_token' | 'access_token',
	phase: Phase,
	dpop?: DpopPrivateJwk
): Promise<boolean> {
	const endpoint = as.revocation_endpoint;
	if (!endpoint) return false;
	try {
		// A DPoP-bound session proves its key here too (oauth4webapi's revocation request takes no DPoP
		// handle): a server that binds refresh tokens of public clients checks it (RFC 9449 §5).
		const headers = dpop === undefined ? undefined : await dpopHeader(runtime, dpop, 'POST', endpoint);
		const response = await oauth.revocationRequest(as, runtime.client, runtime.clientAuth, token, {
			...requestOptions(runtime.connection),
			...(headers === undefined ? {} : { headers }),
			additionalParameters: { token_type_hint: hint }
		});
		await oauth.processRevocationResponse(response);
		return true;
	} catch (error) {
		runtime.report({ code: tokenEndpointErrorCode(error), phase, message: `token revocation: ${describe(error)}`, cause: error });
		return false;
	}
}

/**
 * Revokes what a failed sign-in or refresh obtained and throws away (an ID token that failed a check,
 * a user the app refused, a session that could not be written): a grant the app drops must not stay
 * usable at the server. The refresh token when there is one (RFC 7009 §2.1: revoking it should end
 * the grant's access tokens too), else the access token.
 */
export async function revokeDiscarded(runtime: RevocationDeps, as: oauth.AuthorizationServer, tokens: DiscardedTokens, phase: Phase): Promise<void> {
	if (tokens.refreshToken) await revokeToken(runtime, as, tokens.refreshToken, 'refresh_token', phase, tokens.dpop);
	else if (tokens.accessToken) await revokeToken(runtime, as, tokens.accessToken, 'access_token', phase, tokens.dpop);
}

/**
 * The tokens of a successful (200) token response that oauth4webapi refused to hand over, read from
 * a copy of its body taken before processing: its ID token failed a check, so the grant it carries is
 * discarded and must be revoked. Answers nothing for any other response or a body that is not JSON.
 */
export async function tokensOfRefusedAnswer(copy: Response): Promise<DiscardedTokens> {
	if (copy.status !== 200) return {};
	try {
		const body: unknown = await copy.json();
		if (!body || typeof body !== 'object') return {};
		const { refresh_token: refreshToken, access_token: accessToken } = body as Record<string, unknown>;
		return {
			...(typeof refreshToken === 'string' && refreshToken !== '' ? { refreshToken } : {}),
			...(typeof accessToken === 'string' && accessToken !== '' ? { accessToken } : {})
		};
	} catch {
		return {};
	}
}
