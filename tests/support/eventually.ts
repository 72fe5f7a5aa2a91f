/**
 * Waiting for a condition instead of a fixed time: a fault test on a loaded machine must not depend on
 * how fast a client reconnects or a timer fires, only on the condition happening within a generous
 * deadline (generous because a pass returns as soon as the condition holds).
 */

/** Retries `operation` until it resolves and returns its value; after `timeoutMs` its last error is thrown. */
export async function eventually<T>(operation: () => Promise<T>, { timeoutMs = 15_000, intervalMs = 25 } = {}): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await operation();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await pause(intervalMs);
		}
	}
}

/** Polls until `check` holds; throws `message` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, message: string, { timeoutMs = 15_000, intervalMs = 25 } = {}): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
		await pause(intervalMs);
	}
}

/** Resolves once the wall clock has passed `epochMs` (an access token's expiry, a lease's end). */
export function untilTime(epochMs: number, message = `the clock to pass ${new Date(epochMs).toISOString()}`): Promise<void> {
	return until(() => Date.now() > epochMs, message, { timeoutMs: Math.max(0, epochMs - Date.now()) + 15_000, intervalMs: 20 });
}

function pause(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
