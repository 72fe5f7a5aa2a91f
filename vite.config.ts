import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	server: { host: '127.0.0.1', port: 5173, strictPort: true },
	preview: { host: '127.0.0.1' },
	// A traced test build (SSO_TRACING=1) bundles the OpenTelemetry API with SvelteKit's own copy, so
	// the tracer provider the demo registers at startup is the one SvelteKit's spans go to.
	...(process.env.SSO_TRACING === '1' ? { ssr: { noExternal: ['@opentelemetry/api'] } } : {})
});
