// Seed 001's "Complete Example" (docs/CONTRACTS.md seed 001: hooks, app.d.ts, protected route,
// dashboard component, login page, and the "Manual Token Verification" /callback route), as a newcomer
// would paste it into a fresh app. Kept verbatim except where marked `ADAPTED:`; every adaptation says
// why. Indentation is restored (the seed's extraction lost it); no other whitespace changes.
//
// Environment: kept as the seed has it. The hook reads `$env/dynamic/public` at run time
// (PUBLIC_AUTHRIM_ISSUER, PUBLIC_AUTHRIM_CLIENT_ID); the /callback route reads
// `import.meta.env.VITE_AUTHRIM_*`, which Vite inlines at build time — so the test starts the dev IdP
// before it builds the app. Both work on SvelteKit 2; on SvelteKit 3 `$env` is deprecated, which is
// why the package itself never reads `$env` (AUTH_SECRET comes from `process.env` inside the package).
//
// The client id is the dev IdP's public client `demo-public`: the seed's option set has no client
// secret, and that client redeems handoffs without one.

/** Files of the fresh app, by path relative to its root. */
export const seedExampleFiles: Record<string, string> = {
	// 1. Hooks Configuration
	'src/hooks.server.ts': `import { sequence } from '@sveltejs/kit/hooks';
// ADAPTED: package name — '@authrim/sveltekit/server' is 'sveltekit-sso/server' here.
import { createAuthHandle, createHandoffHandler } from 'sveltekit-sso/server';
import { env } from '$env/dynamic/public';

const issuer = env.PUBLIC_AUTHRIM_ISSUER;
const clientId = env.PUBLIC_AUTHRIM_CLIENT_ID;

if (!issuer || !clientId) {
	console.warn('[Authrim] Missing environment variables');
}

export const handle = sequence(
	createAuthHandle({
		issuer: issuer || '',
		clientId: clientId || '',
		callbackPaths: ['/callback'],
		// ADAPTED: the dev IdP is plain http on 127.0.0.1; the SDK refuses an http issuer without this
		// explicit development-only opt-out (and warns at startup).
		allowInsecureRequests: true,
	}),
	createHandoffHandler({
		issuer: issuer || '',
		clientId: clientId || '',
		errorRedirect: '/login?error=handoff_failed',
		// ADAPTED: as above — http dev IdP.
		allowInsecureRequests: true,
	})
);
`,

	// 2. App Type Definitions
	'src/app.d.ts': `// ADAPTED: package name — '@authrim/sveltekit/server' is 'sveltekit-sso/server' here.
import type { ServerAuthContext } from 'sveltekit-sso/server';

declare global {
	namespace App {
		interface Locals {
			auth?: ServerAuthContext;
		}
	}
}

export {};
`,

	// 3. Protected Route
	'src/routes/dashboard/+page.server.ts': `// ADAPTED: package name — '@authrim/sveltekit/server' is 'sveltekit-sso/server' here.
import { requireAuth } from 'sveltekit-sso/server';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	// Automatically redirects to /login if not authenticated
	const auth = await requireAuth(event);
	return {
		user: auth.user,
		session: auth.session,
	};
};
`,

	// 4. Dashboard Component
	'src/routes/dashboard/+page.svelte': `<script lang="ts">
	// ADAPTED: package name — '@authrim/sveltekit' is 'sveltekit-sso' here.
	import { getAuthContext } from 'sveltekit-sso';
	import type { PageData } from './$types';

	export let data: PageData;

	const auth = getAuthContext();

	async function handleSignOut() {
		await auth.signOut();
		// Automatically redirects to login
	}
</script>

<div class="dashboard">
	<h1>Dashboard</h1>
	<p>Welcome, {data.user.name}!</p>
	<p>Email: {data.user.email}</p>
	<button on:click={handleSignOut}>Sign Out</button>
</div>
`,

	// NOT IN THE SEED: getAuthContext() needs a parent layout that set the context. The seed leaves
	// that step out; these two files are the package's documented one-call setup (README /
	// setAuthContext's TSDoc), written the way a newcomer following the error message would write them.
	'src/routes/+layout.server.ts': `import { publicAuth } from 'sveltekit-sso';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({ auth: publicAuth(locals.auth) });
`,
	'src/routes/+layout.svelte': `<script lang="ts">
	import { setAuthContext } from 'sveltekit-sso';

	let { data, children } = $props();

	setAuthContext(() => data.auth);
</script>

{@render children()}
`,

	// Client-Side Error Display
	'src/routes/login/+page.svelte': `<script lang="ts">
	import { page } from '$app/stores';

	$: error = $page.url.searchParams.get('error');

	const errorMessages: Record<string, string> = {
		'handoff_failed': 'Authentication failed. Please try again.',
		'token_expired': 'Session expired. Please sign in again.',
		'invalid_state': 'Security check failed. Please try again.',
	};
</script>

{#if error}
	<div class="error">
		{errorMessages[error] || 'An error occurred during authentication.'}
	</div>
{/if}

<a href="/auth/login">Sign In</a>
`,

	// Advanced Usage: Manual Token Verification
	'src/routes/callback/+page.server.ts': `// ADAPTED: package name — '@authrim/sveltekit/server' is 'sveltekit-sso/server' here.
import { verifyHandoffToken } from 'sveltekit-sso/server';
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const result = await verifyHandoffToken(event, {
		issuer: import.meta.env.VITE_AUTHRIM_ISSUER,
		clientId: import.meta.env.VITE_AUTHRIM_CLIENT_ID,
		// ADAPTED: the dev IdP is plain http on 127.0.0.1 (see hooks.server.ts).
		allowInsecureRequests: true,
	});

	if (!result.success) {
		throw redirect(302, '/login?error=' + result.error);
	}

	// Session is now saved in cookie
	// Redirect to app
	throw redirect(302, '/dashboard');
};
`,

	// ADAPTED: the template's Vite config, with adapter-node instead of adapter-auto (a production
	// server to test against) and without the template's forced runes mode: the seed's components are
	// written in Svelte 4 syntax (`export let`, `$:`, `$page`), which Svelte 5 compiles in legacy mode
	// only. SvelteKit 2 takes its options through `sveltekit({ ... })` here, as the template does.
	'vite.config.ts': `import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit({ adapter: adapter() })]
});
`
};
