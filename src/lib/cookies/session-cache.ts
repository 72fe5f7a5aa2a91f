/**
 * The opened sessions of a process, keyed by their exact sealed value, bounded both in entries and in
 * (estimated) bytes. Least recently used goes first: a hit moves the entry to the young end, so the
 * sessions of active users stay while a population larger than the cache cycles through the rest.
 *
 * A hit on an entry already in the youngest quarter is not moved: it is that far from eviction anyway,
 * and the hottest sessions (most requests) then cost one map lookup, nothing more.
 */
export class SessionCache<E> {
	readonly #slots = new Map<string, { readonly key: string; entry: E; bytes: number; tick: number }>();
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
		const slot = this.#slots.get(key);
		if (slot === undefined) return undefined;
		if (this.#tick - slot.tick >= this.#maxEntries >> 2) {
			this.#slots.delete(key);
			slot.tick = ++this.#tick;
			// Re-inserted under the key it was stored with, never the caller's string: that one is new
			// each request (cut from its Cookie header), and storing it would keep the header alive and
			// give the long-lived map a pointer into the young generation on every hit (each such pointer
			// is work for every scavenge: with 100,000 entries, scavenges grew from ~1 ms to 20–80 ms).
			this.#slots.set(slot.key, slot);
		}
		return slot.entry;
	}

	/** Remembers `entry`, which costs about `bytes`; an entry larger than the whole budget is not kept. */
	set(key: string, entry: E, bytes: number): void {
		this.delete(key);
		if (bytes > this.#maxBytes) return;
		this.#slots.set(key, { key, entry, bytes, tick: ++this.#tick });
		this.#bytes += bytes;
		while (this.#slots.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
			const oldest = this.#slots.keys().next().value as string;
			this.delete(oldest);
		}
	}

	delete(key: string): void {
		const slot = this.#slots.get(key);
		if (slot === undefined) return;
		this.#slots.delete(key);
		this.#bytes -= slot.bytes;
	}
}
