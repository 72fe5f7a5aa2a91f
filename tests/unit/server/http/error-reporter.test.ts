import { afterEach, describe, expect, it, vi } from 'vitest';
import { createErrorReporter, type AuthErrorInfo } from '../../../../src/lib/server/http/error-reporter.js';

afterEach(() => vi.restoreAllMocks());

describe('the error reporter', () => {
	it('prints one line with the code and a likely fix in development when the app has no logger', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		createErrorReporter(new Set(), true)({ code: 'invalid_client', phase: 'handoff', message: 'the verify endpoint answered 401 (invalid_client)' });
		expect(warn).toHaveBeenCalledTimes(1);
		expect(warn.mock.calls[0][0]).toMatch(/^\[sveltekit-sso\] handoff failed \(invalid_client\): the verify endpoint answered 401 \(invalid_client\) — the server refused this app's client authentication: check clientId and clientSecret/);
	});

	it('prints nothing in production without a logger', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		createErrorReporter(new Set(), false)({ code: 'verify_failed', message: 'x' });
		expect(warn).not.toHaveBeenCalled();
	});

	it("hands every logger the failure with a cause reduced to what is safe, and survives loggers that throw or reject", async () => {
		const seen: AuthErrorInfo[] = [];
		const cause = Object.assign(new Error('token endpoint said no'), { cause: { body: 'access_token=SECRET' } });
		const report = createErrorReporter(
			new Set<(info: AuthErrorInfo) => unknown>([
				(info) => void seen.push(info),
				() => {
					throw new Error('logger broke');
				},
				async () => Promise.reject(new Error('logger rejected'))
			]),
			false
		);
		expect(() => report({ code: 'invalid_grant', phase: 'refresh', message: 'refused', cause })).not.toThrow();
		await new Promise((r) => setImmediate(r));
		expect(seen).toHaveLength(1);
		expect(JSON.stringify(seen[0])).not.toContain('SECRET');
		expect(seen[0].cause).toMatchObject({ name: 'Error', message: 'token endpoint said no' });
	});
});
