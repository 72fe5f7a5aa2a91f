import { compactDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../../src/lib/cookies/seal.js';
import { deriveEncryptionKey, type KeyPurpose } from '../../../src/lib/crypto/keys.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// S1: every purpose has its own key. The sealed `pur` claim is a second guard; these tests look at the
// keys alone, so they fail if the HKDF info stopped naming the purpose.
const PURPOSES: KeyPurpose[] = ['session', 'transaction', 'handoff-result', 'family'];

describe('purpose-bound keys (S1)', () => {
	it('decrypts a sealed value only with the key of the purpose it was sealed for', async () => {
		const sealed = await createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock: Date.now }).seal({ v: 1 }, Date.now() + 60_000);
		const own = await compactDecrypt(sealed, await deriveEncryptionKey(TEST_SECRET, 'session'));
		expect(JSON.parse(new TextDecoder().decode(own.plaintext))).toMatchObject({ v: 1 });
		for (const purpose of PURPOSES.filter((p) => p !== 'session')) {
			await expect(compactDecrypt(sealed, await deriveEncryptionKey(TEST_SECRET, purpose))).rejects.toThrow();
		}
	});

	it('derives the same key for the same secret and purpose on every instance', async () => {
		const first = await createSealer({ secrets: [TEST_SECRET], purpose: 'family', clock: Date.now }).seal({ v: 2 }, Date.now() + 60_000);
		const other = createSealer({ secrets: [TEST_SECRET], purpose: 'family', clock: Date.now });
		expect((await other.open<{ v: number }>(first))?.payload.v).toBe(2);
	});
});
