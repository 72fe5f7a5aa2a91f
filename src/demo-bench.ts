// Reference hooks for `npm run bench` only (SSO_BENCH_VARIANT=naive-jose | authjs), loaded on demand by
// hooks.server.ts: what the SDK is measured against. Neither is part of the package.
import type { Handle } from '@sveltejs/kit';
import { compactDecrypt } from 'jose';
import { deriveEncryptionKey } from './lib/crypto/keys.js';

/**
 * The naive hook: jose `compactDecrypt` with a Web Crypto key on every request, no cache, of the same
 * `sso` cookie the SDK reads. Answers `x-bench-session: 1` when the cookie opened.
 */
export async function naiveJoseHandle(secret: string): Promise<Handle> {
	const key = await deriveEncryptionKey(secret, 'session');
	const decoder = new TextDecoder();
	return async ({ event, resolve }) => {
		const value = event.cookies.get('sso');
		let session: unknown = null;
		if (value) {
			try {
				const { plaintext } = await compactDecrypt(value, key);
				const claims = JSON.parse(decoder.decode(plaintext));
				if (claims.exp * 1000 > Date.now()) session = claims.s;
			} catch {
				session = null;
			}
		}
		(event.locals as { bench?: unknown }).bench = session;
		const response = await resolve(event);
		response.headers.set('x-bench-session', session ? '1' : '0');
		return response;
	};
}

/**
 * Auth.js (`@auth/sveltekit`) with a JWT session, asked for the session on every request as a page that
 * reads it would (`event.locals.auth()`). Answers `x-bench-session: 1` when it found one.
 */
export async function authjsHandle(secret: string): Promise<Handle> {
	const { SvelteKitAuth } = await import('@auth/sveltekit');
	const { handle } = SvelteKitAuth({ providers: [], secret, trustHost: true, basePath: '/authjs', session: { strategy: 'jwt' } });
	return ({ event, resolve }) =>
		handle({
			event,
			resolve: async (e) => {
				const session = await (e.locals as unknown as { auth: () => Promise<unknown> }).auth();
				const response = await resolve(e);
				response.headers.set('x-bench-session', session ? '1' : '0');
				return response;
			}
		});
}
