import { describe, expect, it, vi } from 'vitest';
import { equalsConstantTime } from '../../../src/lib/provider/constant-time.js';
import { authenticateClient } from '../../../src/lib/provider/client-authentication.js';
import { createHandoffIssuer } from '../../../src/lib/provider/handoff-issuer.js';
import { InMemoryHandoffStateStore } from '../../../src/lib/stores/memory-handoff-state-store.js';
import { TEST_SECRET } from '../../support/fake-event.js';

// K1: secrets and bound states are compared without an early exit. Timing cannot be measured reliably
// on a loaded machine, so these tests pin the two halves instead: the comparison function compares
// whole digests, and every secret-dependent comparison of the provider goes through it.
const spy = vi.hoisted(() => ({ calls: [] as [string, string][] }));
vi.mock('../../../src/lib/provider/constant-time.js', async (original) => {
	const real = await original<typeof import('../../../src/lib/provider/constant-time.js')>();
	return {
		equalsConstantTime: async (a: string, b: string) => {
			spy.calls.push([a, b]);
			return real.equalsConstantTime(a, b);
		}
	};
});

const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;

describe('constant-time comparisons (K1)', () => {
	it('answers equality of any two strings, whatever their lengths', async () => {
		expect(await equalsConstantTime('s3cret', 's3cret')).toBe(true);
		expect(await equalsConstantTime('s3cret', 's3creT')).toBe(false);
		expect(await equalsConstantTime('s3cret', 's3cret-and-more')).toBe(false);
		expect(await equalsConstantTime('', '')).toBe(true);
	});

	it('compares a client secret only through the constant-time comparison, right or wrong', async () => {
		const clients = new Map([['app', { secret: 'the-client-secret' }]]);
		spy.calls.length = 0;
		expect(await authenticateClient(clients, 'app', basic('app', 'the-client-secret'))).toBe(true);
		expect(await authenticateClient(clients, 'app', basic('app', 'the-client-secreX'))).toBe(false);
		expect(spy.calls).toEqual([
			['the-client-secret', 'the-client-secret'],
			['the-client-secreX', 'the-client-secret']
		]);
	});

	it("compares a token's bound state only through the constant-time comparison", async () => {
		const issuer = createHandoffIssuer({ issuer: 'https://idp.example', secret: TEST_SECRET, store: new InMemoryHandoffStateStore() });
		const token = await issuer.mint({ sub: 'alice', clientId: 'app', state: 'bound-state-0123456789' });
		spy.calls.length = 0;
		expect((await issuer.redeem(token, { clientId: 'app', state: 'other-state-0123456789' })).ok).toBe(false);
		expect(spy.calls).toContainEqual(['bound-state-0123456789', 'other-state-0123456789']);
	});
});
