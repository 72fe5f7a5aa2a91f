import { json } from '@sveltejs/kit';

/** Which runtime answers: the scenarios check they run where they claim to. */
function runtime() {
	const g = /** @type {any} */ (globalThis);
	if (g.Bun) return { name: 'bun', version: g.Bun.version };
	if (g.Deno) return { name: 'deno', version: g.Deno.version.deno };
	if (g.navigator?.userAgent === 'Cloudflare-Workers') return { name: 'workerd', version: null };
	return { name: 'node', version: g.process?.versions?.node ?? null };
}

/** A short SHA-256 of the access token: the test sees a refresh replace it without seeing the token. */
async function fingerprint(token) {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
	return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {{ locals: any }} event */
export async function GET({ locals }) {
	const accessToken = await locals.auth.getAccessToken();
	return json({
		runtime: runtime(),
		// Whether the package's own AUTH_SECRET / ORIGIN defaults could work here (not on workerd without nodejs_compat).
		processEnvHasSecret: typeof (/** @type {any} */ (globalThis).process?.env?.AUTH_SECRET) === 'string',
		isAuthenticated: locals.auth.isAuthenticated,
		user: locals.auth.user,
		session: locals.auth.session,
		accessToken: accessToken === null ? null : await fingerprint(accessToken)
	});
}
