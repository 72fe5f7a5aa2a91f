import type { Clock } from '../../clock.js';
import type { SessionRecord } from '../../cookies/session-cookie.js';
import { bytesToBase64url, utf8 } from '../../crypto/base64url.js';
import { deriveMacKey } from '../../crypto/keys.js';
import { misuse } from '../../errors.js';
import {
	RefreshTokenStorageError,
	type RefreshTokenFamily,
	type RefreshTokenFamilyStore
} from '../../stores/refresh-token-family-store.js';
import { issuerKey } from '../oidc/claims.js';

/**
 * Back-channel logout and family revocation, shared by every instance through the one store they
 * already share: the `RefreshTokenFamilyStore`.
 *
 * Sessions are sealed cookies, so the server cannot delete one; it can only refuse it. A logout token
 * names an IdP session (`sid`) or a user (`sub`), not a cookie, so the handler records a *logout
 * record* under a key derived from the issuer and that `sid` (or `sub`), and every instance checks
 * the sessions it serves against those records at most every `sessionCheckIntervalMs`, together
 * with the session's own refresh-token family (revoked by sign-out, replay or a failed refresh).
 *
 * A logout record is a family entry that is revoked from birth, with no token in it (`payload: ''`)
 * and no subject (`subject: ''`), so any store that passes the family contract (memory, Redis,
 * Postgres) carries it unchanged. Its id starts with `bcl.`, which a real family id (base64url) never
 * contains, followed by an HMAC-SHA256 of the issuer and the `sid`, `sub` or `jti` under a key derived
 * from the first secret for the `logout-record` purpose: the store never sees who logged out, and
 * every instance holding the secret derives the same id. Records are looked up under every listed
 * secret, so they survive a secret rotation while the old secret is listed (docs/SECURITY.md X7).
 *
 * A logout record records *when* the logout happened: sessions of that `sid` / `sub` created before
 * then end, later sign-ins are unaffected. It expires when the longest session it could apply to has
 * expired.
 *
 * `jti` replay protection of logout tokens uses the same mechanism: registering `bcl.jti.<hash>`
 * succeeds once; a second registration is a replay.
 */
export interface SessionRevocation {
	/**
	 * Bumped when this instance records a logout: a session checked before the bump is checked again on
	 * its next request, so the instance that received the logout applies it immediately.
	 */
	readonly epoch: number;
	/** Forces every session of this instance to be checked again on its next request (after a sign-out here). */
	bump(): void;
	/** Records that the IdP session `sid` (or every session of `sub`, when there is no `sid`) ended now. */
	recordLogout(input: { iss: string; sid?: string; sub?: string }): Promise<void>;
	/**
	 * Claims a logout token's `jti`; false when it was already seen and its logout was recorded (a
	 * replay). A claim whose logout was never recorded (the store failed in between) may be retried,
	 * so the IdP's retry after a 503 is not refused as a replay.
	 */
	claimJti(input: { iss: string; jti: string; expiresAtMs: number }): Promise<boolean>;
	/** Marks a claimed `jti` as done, after its logout was recorded. */
	completeJti(input: { iss: string; jti: string }): Promise<void>;
	/** Whether the session was ended by a logout record or its family was revoked. Store errors propagate. */
	isRevoked(record: SessionRecord): Promise<boolean>;
	/** Whether `record` can be ended by anything this checks (it names an IdP session or a family). */
	isCheckable(record: SessionRecord): boolean;
}

const PREFIX = 'bcl.';

/**
 * A family entry that is revoked from birth and holds no token: the shape of every logout record, and
 * of the record a sign-out leaves when the store had forgotten the session's family. Never the `sub`:
 * the id is all that names it.
 */
export function revokedTombstone(familyId: string, now: number, expiresAtMs: number, generation = 0): RefreshTokenFamily {
	return {
		familyId,
		subject: '',
		generation,
		payload: '',
		previousPayload: null,
		rotatedAtMs: now,
		lease: null,
		revokedAtMs: now,
		createdAtMs: now,
		expiresAtMs
	};
}

async function digest(key: CryptoKey, parts: string[]): Promise<string> {
	// NUL never occurs in an issuer, sid or sub, so the joined input is unambiguous.
	const mac = await crypto.subtle.sign('HMAC', key, utf8(parts.join('\u0000')));
	return bytesToBase64url(new Uint8Array(mac));
}

export function createSessionRevocation(options: {
	store: RefreshTokenFamilyStore;
	/** The app's secrets: the first keys new records, every one is looked up (rotation). */
	secrets: readonly string[];
	clock: Clock;
	/** The configured issuer: only sessions from it can be named by its logout tokens. */
	issuer: string;
	/** How long a logout record must live: the absolute session lifetime. */
	sessionMaxAgeMs: number;
}): SessionRevocation {
	const { store, clock, sessionMaxAgeMs } = options;
	const ownIssuer = issuerKey(options.issuer);
	const secrets = options.secrets;
	if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === 'string' && s !== '')) {
		throw misuse('ERR_INVALID_OPTION', 'createSessionRevocation: options.secrets must be a non-empty list of secrets');
	}
	let epoch = 0;
	// Derived on first use; the first key writes, all of them read.
	let derived: Promise<CryptoKey[]> | undefined;
	const keys = () => (derived ??= Promise.all(secrets.map((secret) => deriveMacKey(secret, 'logout-record'))));

	type Kind = 'sid' | 'sub' | 'nosid' | 'jti';
	// A token naming sid and sub also ends the sessions of that sub that carry no sid (an IdP that puts
	// sid into logout tokens but not into ID tokens): they cannot be matched by sid (`nosid`).
	const recordId = async (kind: Kind, iss: string, value: string) => `${PREFIX}${kind}.${await digest((await keys())[0]!, [issuerKey(iss), value])}`;
	const recordIds = async (kind: Kind, iss: string, value: string) =>
		Promise.all((await keys()).map(async (key) => `${PREFIX}${kind}.${await digest(key, [issuerKey(iss), value])}`));

	/** Registers the record, or moves an existing one's logout time forward. */
	async function upsert(familyId: string): Promise<void> {
		const now = Math.floor(clock());
		// A session created at `now` lives at most sessionMaxAgeMs: after that the record has nothing to end.
		const expiresAtMs = now + sessionMaxAgeMs + 1;
		try {
			await store.registerFamily(revokedTombstone(familyId, now, expiresAtMs));
			return;
		} catch (error) {
			if (!(error instanceof RefreshTokenStorageError) || error.reason !== 'duplicate-family') throw error;
		}
		const result = await store.updateFamily(familyId, (current) => ({
			...current,
			revokedAtMs: Math.max(now, current.revokedAtMs ?? 0),
			expiresAtMs: Math.max(expiresAtMs, current.expiresAtMs)
		}));
		if (result.outcome === 'not-found') {
			// Expired between the two calls but not yet purged: a registration would still be a duplicate.
			// The old record ends everything before its time; the gap is the record's own expiry.
			throw new RefreshTokenStorageError({ reason: 'conflict-exhausted', message: 'logout record expired while being updated' });
		}
	}

	function ended(record: SessionRecord, entry: RefreshTokenFamily | null): boolean {
		return entry !== null && entry.revokedAtMs !== null && record.createdAt <= entry.revokedAtMs;
	}

	const fromOwnIssuer = (record: SessionRecord) => record.idp !== undefined && issuerKey(record.idp.iss) === ownIssuer;

	return {
		get epoch() {
			return epoch;
		},

		bump() {
			epoch++;
		},

		async recordLogout({ iss, sid, sub }) {
			if (sid) await upsert(await recordId('sid', iss, sid));
			if (sid && sub) await upsert(await recordId('nosid', iss, sub));
			else if (sub) await upsert(await recordId('sub', iss, sub));
			epoch++;
		},

		async claimJti({ iss, jti, expiresAtMs }) {
			const now = Math.floor(clock());
			const id = await recordId('jti', iss, jti);
			try {
				// Generation 0: claimed, logout not yet recorded; completeJti moves it to 1.
				await store.registerFamily(revokedTombstone(id, now, Math.max(expiresAtMs, now + 1)));
				return true;
			} catch (error) {
				if (!(error instanceof RefreshTokenStorageError) || error.reason !== 'duplicate-family') throw error;
			}
			const existing = await store.findFamily(id);
			return existing !== null && existing.generation === 0;
		},

		async completeJti({ iss, jti }) {
			const id = await recordId('jti', iss, jti);
			await store.updateFamily(id, (current) => (current.generation === 0 ? { ...current, generation: 1 } : null));
		},

		isCheckable(record) {
			return record.family !== undefined || fromOwnIssuer(record);
		},

		async isRevoked(record) {
			const family = record.family ? store.findFamily(record.family.id) : Promise.resolve(null);
			let logoutRecords: Promise<(RefreshTokenFamily | null)[]> = Promise.resolve([]);
			if (fromOwnIssuer(record)) {
				const idp = record.idp!;
				const ids = Promise.all([idp.sid ? recordIds('sid', idp.iss, idp.sid) : recordIds('nosid', idp.iss, idp.sub), recordIds('sub', idp.iss, idp.sub)]);
				logoutRecords = ids.then((lists) => Promise.all(lists.flat().map((id) => store.findFamily(id))));
			}
			const [own, records] = await Promise.all([family, logoutRecords]);
			// The session's own family: revoked at any time ends it (sign-out, replay, failed refresh).
			if (own && own.revokedAtMs !== null) return true;
			return records.some((entry) => ended(record, entry));
		}
	};
}
