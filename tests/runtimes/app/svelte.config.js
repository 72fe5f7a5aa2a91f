// The runtimes app (README "What each runtime needs"; tests/runtimes/scenarios.ts): one source, two builds. RT_ADAPTER=node builds with
// adapter-node into build/ (run by Node 20, Node 22, Bun and Deno); RT_ADAPTER=cloudflare builds with
// adapter-cloudflare into .svelte-kit-cf/cloudflare (run by workerd under `wrangler dev`).
const cloudflare = process.env.RT_ADAPTER === 'cloudflare';
const { default: adapter } = cloudflare ? await import('@sveltejs/adapter-cloudflare') : await import('@sveltejs/adapter-node');

/** @type {import('@sveltejs/kit').Config} */
export default {
	kit: {
		outDir: cloudflare ? '.svelte-kit-cf' : '.svelte-kit',
		adapter: cloudflare ? adapter() : adapter({ out: 'build' })
	}
};
