import type { RequestEvent } from '@sveltejs/kit';
import { CookieBatch } from '../../cookies/cookie-batch.js';
import { type AuthErrorCode } from '../../errors.js';
import type { SignedInAuth } from '../auth-context.js';
import type { HandoffRuntime } from './handoff-options.js';
/** The outcome of one handoff; the cookie writes are in the batch either way. */
export type HandoffOutcome = {
    readonly ok: true;
    readonly auth: SignedInAuth;
    readonly returnTo: string | null;
} | {
    readonly ok: false;
    readonly code: AuthErrorCode;
};
/**
 * Runs one handoff arrival: parameter checks, the browser binding, the verify call, the session
 * conflict rule, then a new session. Every check that can fail without the network runs before the
 * verify call. Nothing is written unless everything passed, except deleting the spent transaction.
 */
export declare function completeHandoff(event: RequestEvent, runtime: HandoffRuntime, batch: CookieBatch): Promise<HandoffOutcome>;
