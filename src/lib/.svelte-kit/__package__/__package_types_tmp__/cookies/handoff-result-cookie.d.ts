import type { CookieAttributes, CookieBatch } from './cookie-batch.js';
import type { Sealer } from './seal.js';
/** What a completed handoff leaves for the first request after its 303. */
export interface HandoffResult {
    /** The session the handoff created: the result counts only while that session is the one in use. */
    readonly sid: string;
    readonly carryOverState: Record<string, unknown> | null;
}
/**
 * A short-lived sealed cookie that carries a handoff's outcome across its 303: it is how the next
 * request learns the carry-over state, and how a route's `verifyHandoffToken` learns that the hook
 * has already redeemed the one-time token.
 */
export declare function createHandoffResultCookie(config: {
    sealer: Sealer;
    clock: () => number;
}): {
    marker: string;
    nameFor: (attributes: CookieAttributes) => "sso-handoff" | "__Host-sso-handoff";
    /** Seals the result; false when the carry-over state is too large to travel in cookies. */
    write(batch: CookieBatch, attributes: CookieAttributes, result: HandoffResult): Promise<boolean>;
    /** Reads the result and lists the cookies to delete. Never throws. */
    read(cookies: ReadonlyMap<string, string>, attributes: CookieAttributes): Promise<{
        result: HandoffResult | null;
        present: string[];
    }>;
    clear(batch: CookieBatch, attributes: CookieAttributes, present: readonly string[]): void;
};
export type HandoffResultCookie = ReturnType<typeof createHandoffResultCookie>;
/** The request cookies whose names start with `prefix`, from a raw Cookie header. */
export declare function cookiesWithPrefix(header: string, prefix: string): Map<string, string>;
