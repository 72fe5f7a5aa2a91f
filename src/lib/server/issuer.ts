import { misuse } from '../errors.js';
import { warnOnce } from '../runtime.js';

/** Validates an issuer URL at construction: https, or http with the loud development opt-in. */
export function validateIssuer(fn: string, issuer: unknown, allowInsecureRequests: boolean | undefined): URL {
	if (typeof issuer !== 'string' || issuer === '') throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer is required`);
	let url: URL;
	try {
		url = new URL(issuer);
	} catch {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must be an absolute URL`);
	}
	if (url.search || url.hash) throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must not have a query or fragment`);
	if (url.protocol === 'http:') {
		if (allowInsecureRequests !== true) {
			throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must use https (set options.allowInsecureRequests only for a local development server)`);
		}
		warnOnce(`${fn}:insecure`, `${fn}: options.allowInsecureRequests is on: talking to ${url.origin} over plain http. Development only — never in production.`);
	} else if (url.protocol !== 'https:') {
		throw misuse('ERR_INVALID_OPTION', `${fn}: options.issuer must use https`);
	}
	return url;
}
