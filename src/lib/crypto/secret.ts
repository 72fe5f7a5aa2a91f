import { misuse } from '../errors.js';
import { envDefault, isDevelopment, missingOptionHint, warnOnce } from '../environment.js';
import { randomToken, utf8 } from './base64url.js';

/** A secret, or a list of secrets for rotation: the first seals, every one of them opens. */
export type SecretOption = string | readonly string[];

export const MIN_SECRET_BYTES = 32;
const EPHEMERAL_SECRET_BYTES = 32;

/**
 * True when `secrets` is the ephemeral development secret: nothing sealed by another process (a test
 * minting cookies with AUTH_SECRET, the server before a restart) opens with it.
 */
export function isEphemeralSecret(secrets: readonly string[]): boolean {
	return ephemeral !== undefined && secrets.length === 1 && secrets[0] === ephemeral;
}

let ephemeral: string | undefined;

/**
 * Resolves `options.secret`, else `AUTH_SECRET`, into a validated, non-empty list. A secret under 32
 * bytes throws a TypeError naming the option. With neither set, production fails at startup and
 * development falls back to one ephemeral secret per process (sessions end on restart) and warns once.
 */
export function resolveSecrets(fn: string, secret: SecretOption | undefined): string[] {
	let source = `${fn}: options.secret`;
	let value: SecretOption | undefined = secret;
	if (value === undefined) {
		value = envDefault('secret');
		source = `${fn}: the AUTH_SECRET environment variable`;
	}
	if (value === undefined) {
		if (!isDevelopment()) {
			throw misuse(
				'ERR_MISSING_SECRET',
				`${fn}: options.secret is required in production (${missingOptionHint('secret')}); generate one with \`openssl rand -base64 32\``
			);
		}
		ephemeral ??= randomToken(EPHEMERAL_SECRET_BYTES);
		warnOnce(
			'ephemeral-secret',
			`${fn}: no options.secret or AUTH_SECRET; using an ephemeral development secret. Sessions end when the server restarts.`
		);
		return [ephemeral];
	}
	const list = typeof value === 'string' ? [value] : [...value];
	if (list.length === 0) throw misuse('ERR_INVALID_OPTION', `${source} must not be an empty list`);
	for (const item of list) {
		if (typeof item !== 'string' || utf8(item).length < MIN_SECRET_BYTES) {
			throw misuse('ERR_INVALID_OPTION', `${source} must be at least ${MIN_SECRET_BYTES} bytes`);
		}
	}
	return list;
}
