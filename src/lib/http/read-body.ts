// Bounded body reading for requests and responses from parties the SDK does not control.

/**
 * Reads at most `maxBytes` of a request's or response's body. null when the declared or actual length is larger (reading
 * stops there: an oversized body costs no more than `maxBytes` of memory) or the stream fails.
 */
export async function readBodyCapped(message: Request | Response, maxBytes: number): Promise<Uint8Array | null> {
	const declared = message.headers.get('content-length');
	if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > maxBytes)) {
		await message.body?.cancel().catch(() => {});
		return null;
	}
	if (message.body === null) return null;
	const chunks: Uint8Array[] = [];
	let total = 0;
	try {
		const reader = message.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > maxBytes) {
				await reader.cancel().catch(() => {});
				return null;
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

