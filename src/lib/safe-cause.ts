/**
 * What of an error may reach a logger. Errors from oauth4webapi and fetch carry response bodies,
 * Response objects and JWT claims in their `cause` chain — a token endpoint's body holds live access
 * and refresh tokens — so only the error's shape travels: name, message, code, HTTP status and the
 * OAuth `error` code. Never the body, never a nested cause.
 */
export interface SafeCause {
	readonly name: string;
	readonly message: string;
	readonly code?: string;
	readonly status?: number;
	readonly error?: string;
}

export function safeCause(cause: unknown): SafeCause | undefined {
	if (cause === undefined || cause === null) return undefined;
	if (!(cause instanceof Error)) return { name: typeof cause, message: 'non-Error thrown' };
	const c = cause as Error & { code?: unknown; status?: unknown; error?: unknown };
	return {
		name: c.name,
		message: c.message.slice(0, 300),
		...(typeof c.code === 'string' ? { code: c.code } : {}),
		...(typeof c.status === 'number' ? { status: c.status } : {}),
		...(typeof c.error === 'string' ? { error: c.error.replace(/[^\w.-]/g, '').slice(0, 64) } : {})
	};
}
