/** The bookkeeping a cached entry carries in its own fields: no wrapper object per entry. */
export interface CacheSlot {
	/** The key it is stored under: a string of its own (see {@link SessionCache.get}). */
	readonly key: string;
	/** What it costs, estimated by the caller. */
	readonly bytes: number;
	/** Set by the cache: when it was last stored or moved. */
	tick: number;
}

/**
 * The opened sessions of a process, keyed by their exact sealed value, bounded both in entries and in
 * (estimated) bytes. Least recently used goes first: a hit moves the entry to the young end, so the
 * sessions of active users stay while a population larger than the cache cycles through the rest.
 *
 * A hit on an entry already in the youngest quarter is not moved: it is that far from eviction anyway,
 * and the hottest sessions (most requests) then cost one map lookup, nothing more.
 *
 * Entries hold their bookkeeping themselves: every object a cached session keeps alive is work for
 * each full garbage collection, which marks the whole cache (with 100,000 sessions, a measurable part
 * of a request's cost; bench/results.md).
 */
export class SessionCache<E extends CacheSlot> {
	readonly #slots = new Map<string, E>();
	readonly #maxEntries: number;
	readonly #maxBytes: number;
	#bytes = 0;
	#tick = 0;

	constructor(limits: { maxEntries: number; maxBytes: number }) {
		this.#maxEntries = Math.max(1, limits.maxEntries);
		this.#maxBytes = Math.max(1, limits.maxBytes);
	}

	get size(): number {
		return this.#slots.size;
	}

	/** The estimated bytes held (see {@link set}). */
	get bytes(): number {
		return this.#bytes;
	}

	get(key: string): E | undefined {
		const entry = this.#slots.get(key);
		if (entry === undefined) return undefined;
		if (this.#tick - entry.tick >= this.#maxEntries >> 2) {
			this.#slots.delete(key);
			entry.tick = ++this.#tick;
			// Re-inserted under the key it was stored with, never the caller's string: that one is new
			// each request (cut from its Cookie header), and storing it would keep the header alive and
			// give the long-lived map a pointer into the young generation on every hit (each such pointer
			// is work for every scavenge: with 100,000 entries, scavenges grew from ~1 ms to 20–80 ms).
			this.#slots.set(entry.key, entry);
		}
		return entry;
	}

	/** Remembers `entry` under `entry.key`; an entry larger than the whole budget is not kept. */
	set(entry: E): void {
		this.delete(entry.key);
		if (entry.bytes > this.#maxBytes) return;
		entry.tick = ++this.#tick;
		this.#slots.set(entry.key, entry);
		this.#bytes += entry.bytes;
		while (this.#slots.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
			const oldest = this.#slots.keys().next().value as string;
			this.delete(oldest);
		}
	}

	delete(key: string): void {
		const entry = this.#slots.get(key);
		if (entry === undefined) return;
		this.#slots.delete(key);
		this.#bytes -= entry.bytes;
	}
}
