// Reference hooks for `npm run bench` only (SSO_BENCH_VARIANT=naive-jose | authjs), loaded on demand by
// hooks.server.ts: what the SDK is measured against. Neither is part of the package.
import type { Handle } from './lib/server/handle-type.js';
import { compactDecrypt } from 'jose';
import { deriveEncryptionKey } from './lib/crypto/keys.js';

/**
 * The naive hook: jose `compactDecrypt` with a Web Crypto key on every request, no cache, of the same
 * `sso` cookie the SDK reads. Answers `x-bench-session: 1` when the cookie opened.
 */
export async function naiveJoseHandle(secret: string): Promise<Handle> {
	const key = await deriveEncryptionKey(secret, 'session');
	const decoder = new TextDecoder();
	return async ({ event, resolve }) => {
		const value = event.cookies.get('sso');
		let session: unknown = null;
		if (value) {
			try {
				const { plaintext } = await compactDecrypt(value, key);
				const claims = JSON.parse(decoder.decode(plaintext));
				if (claims.exp * 1000 > Date.now()) session = claims.s;
			} catch {
				session = null;
			}
		}
		(event.locals as { bench?: unknown }).bench = session;
		const response = await resolve(event);
		response.headers.set('x-bench-session', session ? '1' : '0');
		return response;
	};
}
