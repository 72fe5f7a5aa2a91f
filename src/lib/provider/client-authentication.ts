import { base64ToBytes, fromUtf8 } from '../crypto/base64url.js';
import { equalsConstantTime } from './constant-time.js';

// Client authentication at the verify endpoint (RFC 6749 §2.3.1): a confidential client proves itself
// with HTTP Basic or with `client_secret` in the body; a public client (no secret registered) sends no
// credentials at all.

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})$/i;

/** Client id and secret from an `Authorization: Basic` header; null when it is not well-formed. */
export function parseBasicCredentials(header: string): { clientId: string; clientSecret: string } | null {
	const match = BASIC.exec(header.trim());
	if (match === null) return null;
	const bytes = base64ToBytes(match[1]);
	if (bytes === null) return null;
	const text = fromUtf8(bytes);
	if (text === null) return null;
	const colon = text.indexOf(':');
	if (colon === -1) return null;
	// Both halves are application/x-www-form-urlencoded before Base64 (RFC 6749 §2.3.1).
	const clientId = formDecode(text.slice(0, colon));
	const clientSecret = formDecode(text.slice(colon + 1));
	if (clientId === null || clientSecret === null || clientId === '') return null;
	return { clientId, clientSecret };
}

function formDecode(value: string): string | null {
	try {
		return decodeURIComponent(value.replace(/\+/g, ' '));
	} catch {
		return null;
	}
}

/**
 * Authenticates the client named by the request body, by exactly one method: `client_secret_basic`
 * (the `Authorization` header, seed 001) or `client_secret_post` (`client_secret` in the body,
 * RFC 6749 §2.3.1). Unknown client, a confidential client without valid credentials (wrong secret,
 * another client's id in the header, malformed header), credentials by both methods at once (RFC 6749
 * §2.3: one method per request), or a public client that sends credentials anyway: all false. The
 * secret comparison is constant-time.
 */
export async function authenticateClient(
	clients: ReadonlyMap<string, { readonly secret?: string }>,
	clientId: string,
	authorization: string | null,
	bodySecret?: string
): Promise<boolean> {
	const client = clients.get(clientId);
	if (client === undefined) return false;
	if (client.secret === undefined) return authorization === null && bodySecret === undefined;
	if (authorization !== null && bodySecret !== undefined) return false;
	if (bodySecret !== undefined) return equalsConstantTime(bodySecret, client.secret);
	if (authorization === null) return false;
	const credentials = parseBasicCredentials(authorization);
	if (credentials === null) return false;
	// Compared even when the ids differ, so the timing does not tell a caller which half was wrong.
	const secretMatches = await equalsConstantTime(credentials.clientSecret, client.secret);
	return secretMatches && credentials.clientId === clientId;
}
