// The Auth.js reference hook of `npm run bench` (SSO_BENCH_VARIANT=authjs), loaded on demand by
// hooks.server.ts. A file of its own because @auth/sveltekit (a bench-only devDependency) supports
// SvelteKit 1 and 2 only: scripts/test-kit3.mjs replaces this file in its Kit 3 copy.
import type { Handle } from './lib/server/handle-type.js';

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
