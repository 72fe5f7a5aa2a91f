/** The purpose claim of a sealer, serialized once: `,"pur":…,"iat":` follows the payload's own members. */
export interface ClaimsSuffix {
	readonly purpose: string;
	readonly json: string;
}

export function claimsSuffix(purpose: string): ClaimsSuffix {
	return { purpose, json: `,"pur":${JSON.stringify(purpose)},"iat":` };
}

/**
 * `JSON.stringify({ ...payload, pur, iat, exp })`, the same string. In V8 an object literal with a
 * spread and members after it costs more than the AES-GCM encryption of a session, so a plain payload
 * that names none of the claims is serialized on its own and the claims are appended to it; anything
 * else (another prototype, a member named like a claim or `toJSON`, a time that is not a finite number)
 * takes the spread, whose result it then is by definition.
 */
export function claimsJson(payload: Record<string, unknown>, suffix: ClaimsSuffix, iat: number, exp: number): string {
	if (
		Object.getPrototypeOf(payload) === Object.prototype &&
		!('pur' in payload) &&
		!('iat' in payload) &&
		!('exp' in payload) &&
		!('toJSON' in payload) &&
		Number.isFinite(iat) &&
		Number.isFinite(exp)
	) {
		const own = JSON.stringify(payload);
		// `{}` has no member for the claims to follow.
		return own.length === 2 ? `{${suffix.json.slice(1)}${iat},"exp":${exp}}` : `${own.slice(0, -1)}${suffix.json}${iat},"exp":${exp}}`;
	}
	return JSON.stringify({ ...payload, pur: suffix.purpose, iat, exp });
}
