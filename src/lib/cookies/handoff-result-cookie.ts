import type { CookieAttributes, CookieBatch } from './cookie-batch.js';
import { clearChunked, readChunked, writeChunked } from './chunked-cookie.js';
import type { Sealer } from './seal.js';
import { DEFAULTS } from '../defaults.js';
import { cookieName, cookiesWithPrefix } from './cookie-policy.js';

/** What a completed handoff leaves for the first request after its 303. */
export interface HandoffResult {
	/** The session the handoff created: the result counts only while that session is the one in use. */
	readonly sid: string;
	readonly carryOverState: Record<string, unknown> | null;
}

const LIFETIME_MS = DEFAULTS.handoff.resultLifetimeMs;
const MAX_CHUNKS = DEFAULTS.handoff.resultMaxChunks;
const BASE_NAME = 'sso-handoff';

/**
 * A short-lived sealed cookie that carries a handoff's outcome across its 303: it is how the next
 * request learns the carry-over state, and how a route's `verifyHandoffToken` learns that the hook
 * has already redeemed the one-time token.
 */
export function createHandoffResultCookie(config: { sealer: Sealer; clock: () => number }) {
	const { sealer, clock } = config;
	const nameFor = (attributes: CookieAttributes) => cookieName(BASE_NAME, attributes);
	return {
		/** Every name this cookie can have contains this. */
		marker: BASE_NAME,
		/** This cookie's chunks in a raw Cookie header, by name. */
		cookiesIn: (header: string) => cookiesWithPrefix(header, BASE_NAME),
		nameFor,

		/**
		 * Seals the result; false when it does not fit in `maxBytes` (what the session left of the
		 * cookie budget), so carry-over state never pushes the Cookie header past what servers accept.
		 * `present` lists result cookies the request carried, so stale chunks are deleted.
		 */
		async write(
			batch: CookieBatch,
			attributes: CookieAttributes,
			result: HandoffResult,
			budget: { maxBytes: number; present: readonly string[] }
		): Promise<boolean> {
			const sealed = await sealer.seal({ r: result }, clock() + LIFETIME_MS);
			if (sealed.length > budget.maxBytes) return false;
			return writeChunked(batch, nameFor(attributes), sealed, { ...attributes, maxAge: LIFETIME_MS / 1000 }, budget.present, {
				maxSetCookieBytes: DEFAULTS.cookie.maxSetCookieBytes,
				maxChunks: MAX_CHUNKS
			});
		},

		/** Reads the result and lists the cookies to delete. Never throws. */
		async read(cookies: ReadonlyMap<string, string>, attributes: CookieAttributes): Promise<{ result: HandoffResult | null; present: string[] }> {
			const joined = readChunked(cookies, nameFor(attributes), MAX_CHUNKS);
			if (joined.value === null) return { result: null, present: joined.present };
			const opened = await sealer.open<{ r?: HandoffResult }>(joined.value);
			const r = opened?.payload.r;
			const valid = r && typeof r.sid === 'string' && (r.carryOverState === null || typeof r.carryOverState === 'object');
			return { result: valid ? r : null, present: joined.present };
		},

		clear(batch: CookieBatch, attributes: CookieAttributes, present: readonly string[]) {
			clearChunked(batch, present, attributes);
		}
	};
}

export type HandoffResultCookie = ReturnType<typeof createHandoffResultCookie>;

export { cookiesWithPrefix };
