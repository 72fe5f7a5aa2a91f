// What a Redis or Postgres client threw, reduced to what is safe to keep as an error's `cause`. Client
// errors can carry the command and its arguments (ioredis `ReplyError.command.args`, postgres.js
// `.parameters`, pg `.detail` with key values) and so a sealed token set or a state id: only the name,
// the message (written by the server or the client, not by us) and the code survive.

/** A client call failed; `kind` says whether the backend was unreachable or the stored value was unusable. */
export class BackendFailure extends Error {
	readonly kind: 'unavailable' | 'corrupt';

	constructor(kind: 'unavailable' | 'corrupt', cause: unknown) {
		super(kind, { cause: sanitizeCause(cause) });
		this.name = 'BackendFailure';
		this.kind = kind;
	}
}

/**
 * Runs one client call and turns a {@link BackendFailure} into the calling store's own error; anything
 * else (a bug, a misuse TypeError) passes through untouched.
 */
export async function mapBackendFailure<T>(
	run: () => Promise<T>,
	toError: (failure: BackendFailure) => Error
): Promise<T> {
	try {
		return await run();
	} catch (error) {
		if (!(error instanceof BackendFailure)) throw error;
		throw toError(error);
	}
}

export function sanitizeCause(error: unknown): Error {
	const source = error instanceof Error ? error : null;
	const safe = new Error(source !== null ? source.message : 'non-error value thrown');
	safe.name = source !== null ? source.name : 'Error';
	const code = (source as { code?: unknown } | null)?.code;
	if (typeof code === 'string' || typeof code === 'number') {
		(safe as Error & { code?: unknown }).code = code;
	}
	return safe;
}
