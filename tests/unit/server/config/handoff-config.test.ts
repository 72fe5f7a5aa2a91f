import { describe, expect, it } from 'vitest';
import { resolveHandoffConfig } from '../../../../src/lib/server/config/handoff-config.js';
import { TEST_SECRET } from '../../../support/fake-event.js';

const base = { issuer: 'https://idp.example', clientId: 'app', secret: TEST_SECRET, origin: 'https://app.example' };

describe('resolveHandoffConfig: verifyProtocol', () => {
	it("defaults to the seed's 2025 contract and accepts 'authrim-2026'", () => {
		expect(resolveHandoffConfig('createHandoffHandler', base).verifyProtocol).toBe('seed-2025');
		expect(resolveHandoffConfig('createHandoffHandler', { ...base, verifyProtocol: 'authrim-2026' }).verifyProtocol).toBe('authrim-2026');
	});

	it('throws at construction for an unknown contract, naming the option', () => {
		let error: unknown;
		try {
			resolveHandoffConfig('createHandoffHandler', { ...base, verifyProtocol: 'authrim-2027' as never });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(TypeError);
		expect((error as { code?: string }).code).toBe('ERR_INVALID_OPTION');
		expect((error as Error).message).toMatch(/createHandoffHandler: options\.verifyProtocol must be 'seed-2025' or 'authrim-2026'/);
	});
});
