import { describe, expect, it, vi } from 'vitest';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { bytesToBase64url, utf8 } from '../../../src/lib/crypto/base64url.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// T3 / S3: the sealer refuses a PBES2 (p2c work factor), `zip` (decompression bomb) or JWS input
// before jose runs at all. jose and the key type would refuse most of these too, by accident; these
// tests pin the SDK's own guard by counting the calls that reach jose.
const decrypts = vi.hoisted(() => ({ count: 0 }));
vi.mock('jose', async (original) => {
	const jose = await original<typeof import('jose')>();
	return {
		...jose,
		jwtDecrypt: (...args: Parameters<typeof jose.jwtDecrypt>) => {
			decrypts.count++;
			return jose.jwtDecrypt(...args);
		}
	};
});

const b64 = (value: unknown) => bytesToBase64url(utf8(JSON.stringify(value)));

describe('the JWE header allow-list (T3, S3)', () => {
	it('refuses PBES2, zip, foreign header members and JWS input without handing them to jose', async () => {
		const sealer = createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: Date.now });
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
		decrypts.count = 0;
		for (const value of hostile) expect(await sealer.open(value)).toBeNull();
		expect(decrypts.count).toBe(0);
		// The genuine value goes through: the counter sees it.
		expect((await sealer.open<{ v: number }>(genuine))?.payload.v).toBe(1);
		expect(decrypts.count).toBe(1);
	});
});
