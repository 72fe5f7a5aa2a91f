import { describe, expect, it } from 'vitest';
import { SessionCache, type CacheSlot } from '../../../src/lib/cookies/session-cache.js';

type Entry<V> = CacheSlot & { v: V };
const entry = <V>(key: string, v: V, bytes: number): Entry<V> => ({ key, v, bytes, tick: 0 });

describe('SessionCache', () => {
	it('evicts the least recently used entry: a hit keeps an entry that insertion order would evict', () => {
		const cache = new SessionCache<Entry<number>>({ maxEntries: 8, maxBytes: 1e9 });
		for (let i = 0; i < 8; i++) cache.set(entry(`k${i}`, i, 1));
		// k0 is the oldest insertion; a hit makes it the most recent (it is outside the youngest quarter).
		expect(cache.get('k0')?.v).toBe(0);
		cache.set(entry('k8', 8, 1));
		expect(cache.get('k0')?.v).toBe(0);
		expect(cache.get('k1')).toBeUndefined();
		// Without the hit, the oldest goes first.
		cache.set(entry('k9', 9, 1));
		expect(cache.get('k2')).toBeUndefined();
		expect(cache.size).toBe(8);
	});

	it('keeps a hot key through a population ten times its size', () => {
		const cache = new SessionCache<Entry<number>>({ maxEntries: 100, maxBytes: 1e9 });
		cache.set(entry('hot', -1, 1));
		for (let i = 0; i < 1000; i++) {
			cache.set(entry(`k${i}`, i, 1));
			if (i % 10 === 0) expect(cache.get('hot')?.v).toBe(-1);
		}
		expect(cache.get('hot')?.v).toBe(-1);
		expect(cache.size).toBe(100);
	});

	it('is bounded in bytes as well as entries, and keeps no entry larger than the whole budget', () => {
		const cache = new SessionCache<Entry<string>>({ maxEntries: 1000, maxBytes: 1000 });
		for (let i = 0; i < 10; i++) cache.set(entry(`k${i}`, 'v', 300));
		expect(cache.size).toBe(3);
		expect(cache.bytes).toBe(900);
		expect(cache.get('k9')?.v).toBe('v');
		expect(cache.get('k6')).toBeUndefined();
		cache.set(entry('huge', 'v', 1001));
		expect(cache.get('huge')).toBeUndefined();
		expect(cache.bytes).toBe(900);
		cache.set(entry('k9', 'w', 100));
		expect(cache.bytes).toBe(700);
		cache.delete('k9');
		expect(cache.bytes).toBe(600);
		expect(cache.size).toBe(2);
	});
});
