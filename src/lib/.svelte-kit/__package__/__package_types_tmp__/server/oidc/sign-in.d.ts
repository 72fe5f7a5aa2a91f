import type { RequestEvent } from '@sveltejs/kit';
import type { OidcRuntime } from './options.js';
/**
 * GET `loginPath?returnTo=/path`: saves a fresh transaction (state, nonce, S256 PKCE verifier,
 * returnTo, the provider it is for) in its own cookie, so parallel tabs each finish their own
 * sign-in, and answers 303 to the authorization endpoint. `returnTo` (or `redirectTo`, which
 * `requireAuth` sends) passes `safeReturnTo`; `prompt` and `login_hint` may come from the query.
 */
export declare function signIn(event: RequestEvent, runtime: OidcRuntime): Promise<Response>;
