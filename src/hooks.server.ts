import { sequence } from '@sveltejs/kit/hooks';
import { createAuthHandle, createHandoffHandler } from './lib/server/index.js';
import { allowInsecureRequests, clientAuth, clientId, clientSecret, dpop, fapi, familyStore, fetchUserInfo, issuer, oidcTimings, origin, verifyProtocol } from './demo-config.js';

// Test builds with SvelteKit's server tracing on (SSO_TRACING=1) export spans to SSO_TRACE_FILE.
if (process.env.SSO_TRACE_FILE) (await import('./demo-tracing.js')).startTracing(process.env.SSO_TRACE_FILE);

const variant = process.env.SSO_BENCH_VARIANT ?? process.env.SSO_HOOKS ?? '';
const passThrough: ReturnType<typeof createAuthHandle> = ({ event, resolve }) => resolve(event);
const store = await familyStore();

function authHandle() {
	return createAuthHandle({
		issuer,
		clientId,
		clientSecret,
		clientAuth,
		// The FAPI client's registration requires PAR; its metadata flag is per client, not server-wide.
		pushedAuthorizationRequests: fapi,
		// FAPI 2.0's sender-constrained tokens: a DPoP key per session, proofs on every call.
		dpop,
		origin,
		allowInsecureRequests,
		callbackPaths: ['/callback'],
		// SvelteKit's own check is off in svelte.config.js so back-channel logouts arrive; this takes its place.
		checkOrigin: true,
		familyStore: store,
		fetchUserInfo,
		...oidcTimings
	});
}

// Failed handoffs land on /login?error=<code> (the default errorRedirect), which explains each code.
// The handler shares createAuthHandle's runtime (session, family store, secret): options it leaves out
// are inherited. SSO_HOOKS=handoff-only mounts it alone, with the store and timings it then needs itself.
const handoffHandler = (alone = false) =>
	// pkce: the dev IdP binds app-initiated handoff tokens to the browser that started them.
	createHandoffHandler({
		issuer,
		clientId,
		clientSecret,
		clientAuth,
		origin,
		allowInsecureRequests,
		pkce: true,
		...(verifyProtocol ? { verifyProtocol } : {}),
		...(alone ? { familyStore: store, ...oidcTimings } : {})
	});

// `npm run bench` measures the same build with no hook, a pass-through hook (baseline), createAuthHandle
// alone and reference hooks (src/demo-bench.ts, src/demo-bench-authjs.ts).
async function chooseHandle() {
	switch (variant) {
		case 'none':
			return undefined;
		case 'naive-jose':
			return (await import('./demo-bench.js')).naiveJoseHandle(process.env.AUTH_SECRET ?? '');
		case 'authjs':
			return (await import('./demo-bench-authjs.js')).authjsHandle(process.env.AUTH_SECRET ?? '');
		case 'baseline':
			return passThrough;
		case 'baseline-sequence':
			return sequence(passThrough, passThrough);
		case 'auth-handle':
			return authHandle();
		case 'handoff-only':
			return handoffHandler(true);
		default:
			return sequence(authHandle(), handoffHandler());
	}
}
export const handle = await chooseHandle();
