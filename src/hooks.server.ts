import { sequence } from '@sveltejs/kit/hooks';
import { createAuthHandle, createHandoffHandler } from './lib/server/index.js';
import { allowInsecureRequests, clientId, clientSecret, familyStore, fetchUserInfo, issuer, oidcClientSecret, oidcTimings, origin } from './demo-config.js';

// Test builds with SvelteKit's server tracing on (SSO_TRACING=1) export spans to SSO_TRACE_FILE.
if (process.env.SSO_TRACE_FILE) (await import('./demo-tracing.js')).startTracing(process.env.SSO_TRACE_FILE);

const authHandle = createAuthHandle({
	issuer,
	clientId,
	clientSecret: oidcClientSecret,
	origin,
	allowInsecureRequests,
	callbackPaths: ['/callback'],
	// SvelteKit's own check is off in svelte.config.js so back-channel logouts arrive; this takes its place.
	checkOrigin: true,
	familyStore: await familyStore(),
	fetchUserInfo,
	...oidcTimings
});
const sso = sequence(
	authHandle,
	// Failed handoffs land on /login?error=<code> (the default errorRedirect), which explains each code.
	createHandoffHandler({ issuer, clientId, clientSecret, origin, allowInsecureRequests })
);

// `npm run bench` measures the same build with a pass-through hook (baseline) and createAuthHandle alone.
const passThrough: typeof sso = ({ event, resolve }) => resolve(event);
const variants: Record<string, typeof sso> = {
	baseline: passThrough,
	'baseline-sequence': sequence(passThrough, passThrough),
	'auth-handle': authHandle
};
export const handle = variants[process.env.SSO_BENCH_VARIANT ?? ''] ?? sso;
