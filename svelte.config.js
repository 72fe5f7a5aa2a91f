import adapter from '@sveltejs/adapter-node';
import { readFileSync } from 'node:fs';

// SvelteKit 2 switches its CSRF check off with `checkOrigin: false`; SvelteKit 3 removed that option
// in favour of `trustedOrigins: ['*']`. (npm run test:kit3 loads this file beside Kit 3.)
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
		// createAuthHandle({ checkOrigin: true }) applies the same rule on every path but the OIDC
		// back-channel logout, a server-to-server form POST that never carries an Origin header.
		csrf: kitMajor >= 3 ? { trustedOrigins: ['*'] } : { checkOrigin: false },
		// SSO_TRACING=1 builds with SvelteKit 2's server tracing, for the test that reads exported spans.
		...(process.env.SSO_TRACING === '1' && kitMajor === 2 ? { experimental: { tracing: { server: true } } } : {}),
		adapter: adapter({ out: process.env.SSO_BUILD_OUT ?? 'build' })
	}
};

export default config;
