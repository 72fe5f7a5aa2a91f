import type { CookieBatch } from '../../cookies/cookie-batch.js';
import type { SealedSession, SessionCookie, SessionRecord } from '../../cookies/session-cookie.js';

// Concurrent requests of one session that waited for the same refresh receive the same outcome object
// (one promise per family generation, refresher.ts), so the same record: it is sealed once and that one
// cookie value rides on every response, instead of one encryption and one cache entry per request.
// Keyed by the codec too: a record is only ever sealed by the runtime whose refresher made it.
const sealedBy = new WeakMap<SessionCookie, WeakMap<SessionRecord, Promise<SealedSession>>>();

/** `session.write` for a record a refresh produced: one seal per record object, shared by its requests. */
export async function writeRefreshed(
	session: SessionCookie,
	batch: CookieBatch,
	url: URL,
	record: SessionRecord,
	present: readonly string[]
): Promise<number> {
	let sealed = sealedBy.get(session);
	if (sealed === undefined) sealedBy.set(session, (sealed = new WeakMap()));
	let pending = sealed.get(record);
	if (pending === undefined) sealed.set(record, (pending = session.seal(record)));
	const value = await pending;
	session.put(batch, url, value, present);
	return value.expiresAt;
}
