import type { TestProject } from 'vitest/node';
import { glewlwydMissing, startGlewlwyd, type GlewlwydInfo } from './glewlwyd.js';

declare module 'vitest' {
	export interface ProvidedContext {
		/** The running Glewlwyd, or why it is not there (only ever outside CI: in CI its absence fails the run). */
		glewlwyd: GlewlwydInfo | { missing: string };
	}
}

/** Access tokens from Glewlwyd live this long: short, so refresh rounds and the grace window are exercised in seconds. */
export const GLEWLWYD_ACCESS_TOKEN_TTL_S = 3;

/**
 * vitest global set-up of the integration project: one Glewlwyd for the whole run, configured once
 * (tests/support/glewlwyd.ts); the tests add the users and clients they need. Without Debian's
 * glewlwyd package the Glewlwyd tests fail in CI (CI set) and are skipped, saying why, elsewhere.
 */
export default async function setup(project: TestProject) {
	const missing = glewlwydMissing();
	if (missing !== null) {
		if (process.env.CI) throw new Error(`Glewlwyd tests cannot run in CI: ${missing}`);
		console.warn(`[glewlwyd] skipping the Glewlwyd tests: ${missing}`);
		project.provide('glewlwyd', { missing });
		return;
	}
	const glewlwyd = await startGlewlwyd({ accessTokenTtlS: GLEWLWYD_ACCESS_TOKEN_TTL_S });
	const { url, issuer, adminCookie, database, accessTokenTtlS } = glewlwyd;
	project.provide('glewlwyd', { url, issuer, adminCookie, database, accessTokenTtlS });
	return () => glewlwyd.stop();
}
