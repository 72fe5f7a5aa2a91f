import { describe, expect, it } from 'vitest';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { nativeAesGcm, webAesGcm, type AesGcmEngine } from '../../../src/lib/crypto/aes-gcm.js';
import { bytesToBase64url, utf8 } from '../../../src/lib/crypto/base64url.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// T3 / S3: the sealer refuses a PBES2 (p2c work factor), `zip` (decompression bomb) or JWS input
// before any decryption runs. These tests pin that guard by counting the calls that reach the
// AES-GCM engine, on each engine.
function counting(engine: AesGcmEngine) {
	const counter = { decrypts: 0 };
	const wrapped: AesGcmEngine = {
		...engine,
		decrypt: (...args) => {
			counter.decrypts++;
			return engine.decrypt(...args);
		}
	};
	return { counter, engine: wrapped };
}

const b64 = (value: unknown) => bytesToBase64url(utf8(JSON.stringify(value)));

describe.each([
	['native', nativeAesGcm()!],
	['Web Crypto', webAesGcm]
])('the JWE header allow-list (T3, S3), %s engine', (_, base) => {
	it('refuses PBES2, zip, foreign header members and JWS input without decrypting them', async () => {
		const { counter, engine } = counting(base);
		const sealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: Date.now, engine });
		const genuine = await sealer.seal({ v: 1 }, Date.now() + 60_000);
		const [header, , iv, ciphertext, tag] = genuine.split('.');
		const { kid } = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
		const hostile = [
			[b64({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', kid, p2s: 'c2FsdHNhbHQ', p2c: 10_000_000 }), 'ZW5jcnlwdGVka2V5', iv, ciphertext, tag].join('.'),
			[b64({ alg: 'dir', enc: 'A256GCM', kid, zip: 'DEF' }), '', iv, ciphertext, tag].join('.'),
			[b64({ alg: 'dir', enc: 'A256GCM', kid, crit: ['exp'] }), '', iv, ciphertext, tag].join('.'),
			[b64({ alg: 'dir', enc: 'A128GCM', kid }), '', iv, ciphertext, tag].join('.'),
			[b64({ alg: 'HS256', kid }), b64({ sub: 'alice' }), 'c2lnbmF0dXJl'].join('.')
		];
		counter.decrypts = 0;
		for (const value of hostile) expect(await sealer.open(value)).toBeNull();
		expect(counter.decrypts).toBe(0);
		// The genuine value goes through: the counter sees it.
		expect((await sealer.open<{ v: number }>(genuine))?.payload.v).toBe(1);
		expect(counter.decrypts).toBe(1);
		// The same header members in another order are parsed, allowed and decrypted (AAD is that spelling).
		const reordered = [b64({ kid, enc: 'A256GCM', alg: 'dir' }), '', iv, ciphertext, tag].join('.');
		expect(await sealer.open(reordered)).toBeNull();
		expect(counter.decrypts).toBe(2);
	});
});
