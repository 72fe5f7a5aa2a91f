import type { RequestHandler } from './$types.js';

// The benchmark's route: as little work as SvelteKit allows, so the hook's cost shows.
export const GET: RequestHandler = () => new Response('ok');
