import adapter from '@sveltejs/adapter-node';
import { readFileSync } from 'node:fs';

// npm run test:kit3 loads this file beside SvelteKit 3 (server tracing is a Kit 2 option).
const kitMajor = Number(JSON.parse(readFileSync(new URL('./node_modules/@sveltejs/kit/package.json', import.meta.url), 'utf8')).version.split('.')[0]);

/** @type {import('@sveltejs/kit').Config} */
const config = {
	compilerOptions: {
		// Runes everywhere in this project; libraries in node_modules keep their own mode.
		runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true)
	},
	kit: {
		// Test runs build into their own folders (tests/integration/global-setup.ts), so parallel runs
		// and a developer's own `vite build` never overwrite each other.
		outDir: process.env.SSO_KIT_OUT ?? '.svelte-kit',
		// SvelteKit's own CSRF check is off, and createAuthHandle({ checkOrigin: true }) applies the same
		// rule on every path but the OIDC back-channel logout, a server-to-server form POST that never
		// carries an Origin header. `trustedOrigins: ['*']` is how SvelteKit 2.70 and 3 spell "off" (Kit
		// then skips the check outright, requests without an Origin included); `checkOrigin: false` is
		// deprecated in Kit 2 and gone in Kit 3. tests/integration/oidc-backchannel-logout.test.ts proves it.
		csrf: { trustedOrigins: ['*'] },
		// SSO_TRACING=1 builds with SvelteKit 2's server tracing, for the test that reads exported spans.
		...(process.env.SSO_TRACING === '1' && kitMajor === 2 ? { experimental: { tracing: { server: true } } } : {}),
		adapter: adapter({ out: process.env.SSO_BUILD_OUT ?? 'build' })
	}
};

export default config;
