import { expect } from 'vitest';
import type { RefreshTokenFamily } from '../../src/lib/stores/refresh-token-family-store.js';

/** A live family whose payload carries `secret`, so a test can prove no error message leaks it. */
export function familyWith(secret: string): RefreshTokenFamily {
	const now = Date.now();
	return {
		familyId: crypto.randomUUID(),
		subject: 'user-1',
		generation: 0,
		payload: `${secret}-generation-0`,
		previousPayload: null,
		rotatedAtMs: now,
		lease: null,
		revokedAtMs: null,
		createdAtMs: now,
		expiresAtMs: now + 600_000
	};
}

/**
 * Awaits `operation` against an unreachable backend, asserting it fails within `withinMs` and that
 * neither the error nor its cause mentions any of `secrets` (payloads, ids, state).
 */
export async function failsFast(operation: () => Promise<unknown>, secrets: string[], withinMs: number): Promise<Error> {
	const started = Date.now();
	const error = await operation().then(
		() => {
			throw new Error('expected the operation to fail while the backend is unreachable');
		},
		(e: unknown) => e as Error
	);
	expect(Date.now() - started).toBeLessThan(withinMs);
	const cause = (error as { cause?: unknown }).cause as Error | undefined;
	for (const secret of secrets) {
		expect(error.message).not.toContain(secret);
		expect(String(cause?.message ?? '')).not.toContain(secret);
		expect(Object.values(cause ?? {}).join(' ')).not.toContain(secret);
		expect(JSON.stringify(cause ?? null)).not.toContain(secret);
	}
	return error;
}
