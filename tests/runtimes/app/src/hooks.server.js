// Both hooks of sveltekit-sso, configured the way that works on every runtime: the environment is read
// through SvelteKit's $env/dynamic/private (process.env on Node, Bun and Deno; the Worker's bindings on
// workerd) and `secret` and `origin` are passed explicitly. RT_IMPLICIT_ENV=1 leaves them out, so the
// package falls back to AUTH_SECRET and ORIGIN itself (works where there is a process.env).
import { sequence } from '@sveltejs/kit/hooks';
import { env } from '$env/dynamic/private';
import { createAuthHandle, createHandoffHandler } from 'sveltekit-sso/server';

const shared = {
	issuer: env.RT_ISSUER ?? '',
	clientId: 'demo',
	clientSecret: env.RT_CLIENT_SECRET,
	// The dev identity provider speaks http on 127.0.0.1.
	allowInsecureRequests: true,
	// The cause is what tells a runtime's own refusal apart (workerd: `Illegal invocation`).
	onError: (info) => console.error(`[runtimes-app] ${info.phase}: ${info.code}: ${info.message}`, info.cause ?? ''),
	...(env.RT_IMPLICIT_ENV === '1' ? {} : { secret: env.AUTH_SECRET, origin: env.ORIGIN })
};

export const handle = sequence(createAuthHandle(shared), createHandoffHandler({ ...shared, pkce: true }));
