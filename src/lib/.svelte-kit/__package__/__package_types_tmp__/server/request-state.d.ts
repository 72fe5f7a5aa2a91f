import type { HandoffRuntime } from './handoff/handoff-options.js';
export interface RequestState {
    /** The runtime of the `createHandoffHandler` this request passed through. */
    handoffRuntime?: HandoffRuntime;
    /** Set once a handoff signed this request in, so a second verifier leaves the spent token alone. */
    handoffDone?: boolean;
}
export declare function requestState(locals: object): RequestState;
