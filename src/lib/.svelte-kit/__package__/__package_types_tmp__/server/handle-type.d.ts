import type { sequence } from '@sveltejs/kit/hooks';
/**
 * SvelteKit's `Handle`, named portably: it lives in `@sveltejs/kit` on Kit 2 and in
 * `@sveltejs/kit/hooks` on Kit 3, while `sequence` is in `@sveltejs/kit/hooks` on both.
 */
export type Handle = Parameters<typeof sequence>[number];
