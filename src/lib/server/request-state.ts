import type { ServerAuthContext } from './auth-context.js';
import type { HandoffRuntime } from './handoff/handoff-options.js';

// Per-request state the hooks share, kept under a symbol on `event.locals` so it is neither part of
// the app's `App.Locals` type nor ever serialized.
const STATE = Symbol.for('sveltekit-sso/request-state');

export interface RequestState {
	/** The runtime of the `createHandoffHandler` this request passed through. */
	handoffRuntime?: HandoffRuntime;
	/** Set once a handoff signed this request in, so a second verifier leaves the spent token alone. */
	handoffDone?: boolean;
}

type Locals = Record<PropertyKey, unknown> & { auth?: ServerAuthContext };

export function requestState(locals: object): RequestState {
	const l = locals as Locals;
	return ((l[STATE] as RequestState | undefined) ??= {});
}
