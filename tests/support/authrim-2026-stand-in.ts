// A stand-in for Authrim's 2026 handoff verify endpoint, enforcing exactly the rules of
// ../shared/AUTHRIM-2026.md and nothing of sveltekit-sso's: its own artifact format, its own DPoP
// check written against RFC 9449 with jose alone (no import from src/lib), its own Origin rule.
// A real HTTP server on 127.0.0.1; tests mint artifacts with `mint()`.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

export interface StandInUser {
	id: string;
	email: string | null;
	name: string | null;
	emailVerified: boolean;
}

export interface StandInOptions {
	/** client_id → registered redirect URIs. */
	clients: Record<string, string[]>;
	/** Development mode: localhost origins are allowed (AUTHRIM-2026.md). Default true (tests run on loopback). */
	development?: boolean;
	/** Artifact lifetime in seconds, clamped to 30–300. Default 60. */
	artifactTtlSeconds?: number;
}

export interface VerifyCallRecord {
	status: number;
	error?: string;
	code?: string;
	include: string | null;
	jkt?: string;
	/** The URL the server's validator was handed (query included). */
	url: string;
}

export interface AuthrimStandIn {
	readonly issuer: string;
	readonly verifyUrl: string;
	/** Mints an artifact for `user`, bound to `state` (and `clientId` when given), with a live IdP session. */
	mint(input: { user: StandInUser; state: string; clientId?: string }): string;
	/** Ends the IdP's SSO session of an artifact's user (then its redemption fails). */
	endSessions(): void;
	/** Every verify call received, in order. */
	readonly calls: VerifyCallRecord[];
	/** jkt (cnf.jkt) of each issued access token. */
	readonly bound: Map<string, string>;
	close(): Promise<void>;
}

const VERIFY_PATH = '/auth/external/handoff/verify';

export async function startAuthrimStandIn(options: StandInOptions): Promise<AuthrimStandIn> {
	const ttl = Math.min(300, Math.max(30, options.artifactTtlSeconds ?? 60));
	const development = options.development ?? true;
	const artifacts = new Map<string, { user: StandInUser; state: string; clientId?: string; exp: number; sessionId: string }>();
	const sessions = new Map<string, { userId: string; createdAt: Date; expiresAt: Date }>();
	const seenJti = new Set<string>();
	const rate = new Map<string, number[]>();
	const calls: VerifyCallRecord[] = [];
	const bound = new Map<string, string>();
	let issuer = '';

	function send(res: ServerResponse, status: number, body: unknown, record: VerifyCallRecord) {
		record.status = status;
		const b = body as { error?: string; error_details?: { code?: string } };
		if (b.error) record.error = b.error;
		if (b.error_details?.code) record.code = b.error_details.code;
		calls.push(record);
		res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' });
		res.end(JSON.stringify(body));
	}

	async function dpopCheck(req: IncomingMessage, fullUrl: URL): Promise<{ jkt: string } | 'missing' | 'invalid'> {
		const proof = req.headers['dpop'];
		if (proof === undefined || proof === '') return 'missing';
		if (typeof proof !== 'string') return 'invalid';
		try {
			const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] });
			const jwk = protectedHeader.jwk as JWK;
			if ('d' in jwk) return 'invalid';
			if (payload.htm !== req.method) return 'invalid';
			// RFC 9449 §4.2: htu is the URL without query and fragment; the validator is handed the full URL.
			const expected = `${fullUrl.origin}${fullUrl.pathname}`;
			if (payload.htu !== expected) return 'invalid';
			const now = Math.floor(Date.now() / 1000);
			if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > 60) return 'invalid';
			if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) return 'invalid';
			seenJti.add(payload.jti);
			return { jkt: await calculateJwkThumbprint(jwk) };
		} catch {
			return 'invalid';
		}
	}

	function originAllowed(req: IncomingMessage, clientId: string): boolean {
		let origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
		if (origin === undefined && typeof req.headers.referer === 'string') {
			try {
				origin = new URL(req.headers.referer).origin;
			} catch {
				return false;
			}
		}
		if (origin === undefined) return false;
		const host = (() => {
			try {
				return new URL(origin).hostname;
			} catch {
				return '';
			}
		})();
		const local = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
		if (local && !development) return false;
		return (options.clients[clientId] ?? []).some((uri) => new URL(uri).origin === origin);
	}

	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
	});

	async function handle(req: IncomingMessage, res: ServerResponse, text: string) {
		const fullUrl = new URL(req.url ?? '/', issuer);
		const record: VerifyCallRecord = { status: 0, include: fullUrl.searchParams.get('include'), url: fullUrl.href };
		if (req.method !== 'POST' || fullUrl.pathname !== VERIFY_PATH) return send(res, 404, { error: 'not_found' }, record);
		let body: Record<string, unknown> = {};
		try {
			body = JSON.parse(text) as Record<string, unknown>;
		} catch {
			body = {};
		}
		const missing = ['handoff_token', 'state', 'client_id'].filter((f) => typeof body[f] !== 'string' || body[f] === '');
		if (missing.length > 0) return send(res, 400, { error: 'invalid_request', error_description: `Missing required fields: ${missing.join(', ')}` }, record);
		const include = fullUrl.searchParams.get('include');
		if (include !== null && include !== 'session,user') {
			return send(res, 400, { error: 'invalid_request', error_description: 'Unsupported include parameter' }, record);
		}
		const clientId = body.client_id as string;
		const ip = req.socket.remoteAddress ?? '';
		const key = `${clientId}|${ip}`;
		const now = Date.now();
		const recent = (rate.get(key) ?? []).filter((t) => t > now - 60_000);
		if (recent.length >= 10) return send(res, 429, { error: 'rate_limited' }, record);
		rate.set(key, [...recent, now]);
		const dpop = await dpopCheck(req, fullUrl);
		if (dpop === 'missing' || dpop === 'invalid') {
			const code = dpop === 'missing' ? 'dpop_proof_missing' : 'dpop_proof_invalid';
			return send(res, 400, { error: 'invalid_request', error_description: 'DPoP proof problem', error_details: { code } }, record);
		}
		record.jkt = dpop.jkt;
		if (!originAllowed(req, clientId)) return send(res, 403, { error: 'invalid_request', error_description: 'origin not allowed' }, record);
		const artifact = artifacts.get(body.handoff_token as string);
		artifacts.delete(body.handoff_token as string);
		const session = artifact ? sessions.get(artifact.sessionId) : undefined;
		if (
			!artifact ||
			artifact.exp < now ||
			artifact.state !== body.state ||
			(artifact.clientId !== undefined && artifact.clientId !== clientId) ||
			!session
		) {
			return send(res, 400, { error: 'invalid_grant', error_description: 'invalid code' }, record);
		}
		const accessToken = randomBytes(24).toString('base64url');
		bound.set(accessToken, dpop.jkt);
		return send(
			res,
			200,
			{
				token_type: 'DPoP',
				access_token: accessToken,
				expires_in: 3600,
				...(include === 'session,user'
					? {
							session: { id: artifact.sessionId, userId: artifact.user.id, createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString() },
							user: artifact.user
						}
					: {})
			},
			record
		);
	}

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		issuer,
		verifyUrl: `${issuer}${VERIFY_PATH}`,
		mint({ user, state, clientId }) {
			const token = randomBytes(32).toString('base64url');
			const sessionId = randomUUID();
			sessions.set(sessionId, { userId: user.id, createdAt: new Date(), expiresAt: new Date(Date.now() + 86_400_000) });
			artifacts.set(token, { user, state, ...(clientId === undefined ? {} : { clientId }), exp: Date.now() + ttl * 1000, sessionId });
			return token;
		},
		endSessions: () => sessions.clear(),
		calls,
		bound,
		async close() {
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		}
	};
}
