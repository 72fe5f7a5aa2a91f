import type { HandoffConfig } from '../config/handoff-config.js';
import type { RuntimeRef } from '../runtime/registry.js';

// Per-request state the entry points share, kept under a symbol on `event.locals` so it is neither
// part of the app's `App.Locals` type nor ever serialized.
const STATE = Symbol.for('sveltekit-sso/request-state');

/** The handoff configuration of the `createHandoffHandler` a request passed through, with its runtime. */
export interface HandoffSetup {
	readonly config: HandoffConfig;
	readonly runtime: RuntimeRef;
}

export interface RequestState {
	/** Set once a handoff signed this request in, so a second verifier leaves the spent token alone. */
	handoffDone?: boolean;
}

export function requestState(locals: object): RequestState {
	const l = locals as Record<PropertyKey, unknown>;
	return ((l[STATE] as RequestState | undefined) ??= {});
}

const HANDOFF = Symbol.for('sveltekit-sso/handoff-setup');

/** Records the handoff setup of the `createHandoffHandler` a request passes through (no allocation). */
export function setHandoffSetup(locals: object, setup: HandoffSetup): void {
	(locals as Record<PropertyKey, unknown>)[HANDOFF] = setup;
}

/** The handoff setup `startHandoff` and `verifyHandoffToken()` without options use, if a handler set one. */
export function handoffSetupOf(locals: object): HandoffSetup | undefined {
	return (locals as Record<PropertyKey, unknown>)[HANDOFF] as HandoffSetup | undefined;
}
