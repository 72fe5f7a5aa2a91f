import { ensureServices } from './services.js';

/**
 * vitest global set-up of the projects that need Redis and PostgreSQL (vitest.config.ts): uses the
 * machine's servers, or starts throwaway ones for the run and stops them at its end (services.ts).
 */
export default function setup() {
	return ensureServices();
}
