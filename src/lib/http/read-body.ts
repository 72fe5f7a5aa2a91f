// Bounded body reading for requests and responses from parties the SDK does not control.

/** A body over the limit (distinct from `null`, a stream that failed). */
export const BODY_TOO_LARGE = Symbol('body too large');

/**
 * Reads at most `maxBytes` of a request's or response's body: the bytes, {@link BODY_TOO_LARGE} when
 * the declared or actual length is larger (reading stops there: an oversized body costs no more than
 * `maxBytes` of memory), or null when the stream fails. `drainBytes` is for a server answering a
 * request: the rest of an oversized body is read and discarded up to that many bytes before the
 * stream is cancelled, because on Node cancelling a request body that is still arriving destroys the
 * socket and the sender sees a reset instead of the answer (413).
 */
export async function readBody(
	message: Request | Response,
	maxBytes: number,
	options: { drainBytes?: number } = {}
): Promise<Uint8Array | typeof BODY_TOO_LARGE | null> {
	const drainBytes = options.drainBytes ?? 0;
	const declared = message.headers.get('content-length');
	if (declared !== null && !/^\d+$/.test(declared)) {
		discard(message, drainBytes);
		return null;
	}
	if (declared !== null && Number(declared) > maxBytes) {
		discard(message, drainBytes);
		return BODY_TOO_LARGE;
	}
	if (message.body === null) return new Uint8Array(0);
	const chunks: Uint8Array[] = [];
	let total = 0;
	const reader = message.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > maxBytes) {
				void drain(reader, drainBytes);
				return BODY_TOO_LARGE;
			}
			chunks.push(value);
		}
	} catch {
		return null;
	}
	const bytes = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return bytes;
}

/** {@link readBody} for callers that treat an oversized body like a broken one: null for both. */
export async function readBodyCapped(message: Request | Response, maxBytes: number): Promise<Uint8Array | null> {
	const result = await readBody(message, maxBytes);
	if (message.body === null) return null;
	return result === BODY_TOO_LARGE ? null : result;
}

/** Drops a body the answer does not need (see {@link readBody} on why it is drained first). */
export function discard(message: Request | Response, drainBytes: number): void {
	if (message.body !== null && !message.body.locked) void drain(message.body.getReader(), drainBytes);
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
	try {
		for (;;) {
			if (budget <= 0) {
				await reader.cancel();
				return;
			}
			const { done, value } = await reader.read();
			if (done) return;
			budget -= value.byteLength;
		}
	} catch {
		// The stream failed (the client went away, or the adapter's own size limit ended it): nothing to drain.
	}
}
