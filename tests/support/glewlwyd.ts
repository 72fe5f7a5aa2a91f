// Glewlwyd 2.7.5 (Debian's `glewlwyd` package), an OpenID provider nobody here wrote, started from
// scratch for one test run: SQLite under a temp folder, 127.0.0.1, a free port, configured through its
// admin REST API. Facts and traps of running it this way: ../shared/GLEWLWYD.md.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort } from './app-server.js';

const BINARY = process.env.GLEWLWYD_BIN ?? 'glewlwyd';
const SHARE = '/usr/share/glewlwyd';
const MODULES = '/usr/lib/glewlwyd';
const SCHEMA = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz';
/** The admin account the packaged schema creates. */
const ADMIN = { username: 'admin', password: 'password' };
/** The OIDC plugin instance's name: its endpoints live under `<url>/api/<name>`. */
const PLUGIN = 'oidc';

/** Why Glewlwyd cannot run on this machine, or null when it can. */
export function glewlwydMissing(): string | null {
	const found = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
	if (found.error) return `the glewlwyd binary was not found (${BINARY}); install Debian's package: apt-get install glewlwyd sqlite3`;
	if (spawnSync('sqlite3', ['-version']).error) return 'the sqlite3 command was not found; install Debian\'s package: apt-get install sqlite3';
	for (const path of [SCHEMA, `${SHARE}/webapp/login.html`, `${MODULES}/plugin/libprotocol_oidc.so`]) {
		if (!existsSync(path)) return `Debian's glewlwyd package is incomplete: ${path} is missing`;
	}
	return null;
}

/** What the test files need of the running provider (passed from the global set-up by `provide`). */
export interface GlewlwydInfo {
	/** Glewlwyd's external URL, e.g. http://127.0.0.1:40123 (its API under /api). */
	url: string;
	/** The OIDC issuer: `<url>/api/oidc`. */
	issuer: string;
	/** The admin session cookie (`name=value`) for the admin API. */
	adminCookie: string;
	/** The SQLite database file (read-only for the tests: which tokens Glewlwyd issued). */
	database: string;
	/** Glewlwyd's access-token lifetime, seconds. */
	accessTokenTtlS: number;
}

export interface RunningGlewlwyd extends GlewlwydInfo {
	log(): string;
	stop(): Promise<void>;
}

/** A password every test user has. */
export const USER_PASSWORD = 'glewlwyd-user-password-1';

/**
 * Starts Glewlwyd on a free loopback port with an empty SQLite database and configures it through
 * its admin API: scopes, the OIDC plugin (RS256, one-time refresh tokens, back-channel logout, RFC
 * 9207 `iss`, session management), the client backend's `post_logout_redirect_uris` property. Users
 * and clients are added by the tests ({@link addUser}, {@link addClient}).
 */
export async function startGlewlwyd(options: { accessTokenTtlS: number }): Promise<RunningGlewlwyd> {
	const dir = mkdtempSync(join(tmpdir(), 'sso-glewlwyd-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const database = join(dir, 'glewlwyd.db');
	const logFile = join(dir, 'glewlwyd.log');
	execFileSync('sqlite3', [database], { input: gunzipSync(readFileSync(SCHEMA)) });
	// Debian's webapp/config.json is a symlink to a directory: copy the webapp (links dereferenced) and
	// put the real file in place, or the login page hangs.
	cpSync(`${SHARE}/webapp`, join(dir, 'webapp'), { recursive: true, dereference: true });
	const webappConfig = join(dir, 'webapp', 'config.json');
	if (statSync(webappConfig).isDirectory()) {
		const inner = readFileSync(join(webappConfig, 'config.json'));
		rmSync(webappConfig, { recursive: true });
		writeFileSync(webappConfig, inner);
	}
	// With use_secure_connection=false it still wants both files named.
	writeFileSync(join(dir, 'unused.key'), '');
	writeFileSync(join(dir, 'unused.pem'), '');
	writeFileSync(join(dir, 'glewlwyd.conf'), config({ port, url, dir, database, logFile }));

	let output = '';
	const child: ChildProcess = spawn(BINARY, [`--config-file=${join(dir, 'glewlwyd.conf')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout?.on('data', (d) => (output += d));
	child.stderr?.on('data', (d) => (output += d));
	const log = () => `${output}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`;
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitForStart(url, child, log);
		const adminCookie = await adminSession(url);
		const admin = adminApi(url, adminCookie);
		for (const [name, description] of [
			['profile', 'Name'],
			['email', 'E-mail address'],
			['offline_access', 'Refresh tokens']
		]) {
			await admin('POST', '/scope/', { name, display_name: name, description, password_required: true, password_max_age: 0, scheme: {} });
		}
		// The client backend keeps only the properties its metadata declares.
		const backend = (await admin('GET', '/mod/client/database')) as { parameters: { 'data-format': Record<string, unknown> } };
		backend.parameters['data-format'].post_logout_redirect_uris = { multiple: true, read: true, write: true };
		await admin('PUT', '/mod/client/database', backend);
		await admin('PUT', '/mod/client/database/reset');
		await admin('POST', '/mod/plugin/', plugin(url, options.accessTokenTtlS));
		const discovery = await fetch(`${url}/api/${PLUGIN}/.well-known/openid-configuration`);
		if (!discovery.ok) throw new Error(`Glewlwyd's discovery answered ${discovery.status}`);
		return { url, issuer: `${url}/api/${PLUGIN}`, adminCookie, database, accessTokenTtlS: options.accessTokenTtlS, log, stop };
	} catch (error) {
		const text = log();
		await stop();
		throw new Error(`Glewlwyd did not start: ${error instanceof Error ? error.message : String(error)}\n${text.slice(-4000)}`, { cause: error });
	}
}

function config(c: { port: number; url: string; dir: string; database: string; logFile: string }): string {
	const mime = Object.entries({ '.html': 'text/html', '.css': 'text/css', '.js': 'application/javascript', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf' })
		.map(([extension, type]) => `{ extension = "${extension}"; mime_type = "${type}"; }`)
		.join(',\n  ');
	return `port=${c.port}
bind_address="127.0.0.1"
external_url="${c.url}"
login_url="login.html"
static_files_path="${join(c.dir, 'webapp')}/"
static_files_mime_types = (
  ${mime}
)
api_prefix="api"
allow_origin="*"
log_mode="file"
log_level="WARNING"
log_file="${c.logFile}"
cookie_secure=0
session_key="GLEWLWYD2_SESSION_ID"
session_expiration=3600
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
use_secure_connection=false
secure_connection_key_file="${join(c.dir, 'unused.key')}"
secure_connection_pem_file="${join(c.dir, 'unused.pem')}"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "${c.database}"; };
`;
}

function plugin(url: string, accessTokenTtlS: number) {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	return {
		module: 'oidc',
		name: PLUGIN,
		display_name: 'OpenID Connect',
		enabled: true,
		parameters: {
			iss: `${url}/api/${PLUGIN}`,
			'jwt-type': 'rsa',
			'jwt-key-size': '256',
			key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
			cert: publicKey.export({ type: 'spki', format: 'pem' }),
			'access-token-duration': accessTokenTtlS,
			'refresh-token-duration': 3600,
			'code-duration': 600,
			// Rotation: every refresh token works once; a spent one replayed disables the whole chain.
			'refresh-token-one-use': 'always',
			'refresh-token-rolling': true,
			'allow-non-oidc': false,
			'auth-type-code-enabled': true,
			'auth-type-refresh-enabled': true,
			'auth-type-code-revoke-replayed': true,
			'pkce-allowed': true,
			'pkce-required-public-client': true,
			'introspection-revocation-allowed': true,
			'introspection-revocation-allow-target-client': true,
			'session-management-allowed': true,
			'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
			'session-cookie-expiration': 3600,
			// Front-channel must stay allowed or the end-session page fails, even with no client using it.
			'front-channel-logout-allowed': true,
			'back-channel-logout-allowed': true,
			'oauth-as-iss-id': true,
			'name-claim': 'mandatory',
			'email-claim': 'mandatory',
			'scope-claim': 'no',
			'jwks-show': true,
			'subject-type': 'public'
		}
	};
}

async function waitForStart(url: string, child: ChildProcess, log: () => string): Promise<void> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`glewlwyd exited with ${child.exitCode}: ${log().slice(-2000)}`);
		try {
			const response = await fetch(`${url}/api/auth/scheme/`, { signal: AbortSignal.timeout(1_000) });
			await response.body?.cancel();
			return;
		} catch {
			if (Date.now() > deadline) throw new Error('glewlwyd did not answer within 20 s');
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

async function adminSession(url: string): Promise<string> {
	const response = await fetch(`${url}/api/auth/`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(ADMIN)
	});
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('GLEWLWYD2_SESSION_ID='));
	await response.body?.cancel();
	if (!response.ok || !cookie) throw new Error(`the admin sign-in answered ${response.status}`);
	return cookie.split(';')[0];
}

/** A call to Glewlwyd's admin API; throws on any answer but 2xx. */
export function adminApi(url: string, adminCookie: string) {
	return async (method: string, path: string, body?: unknown): Promise<unknown> => {
		const response = await fetch(`${url}/api${path}`, {
			method,
			headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`Glewlwyd admin ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
		return text ? JSON.parse(text) : null;
	};
}

/** Adds an enabled user with {@link USER_PASSWORD} and the scopes the SDK asks for. */
export async function addUser(info: GlewlwydInfo, username: string): Promise<void> {
	await adminApi(info.url, info.adminCookie)('POST', '/user/', {
		username,
		password: USER_PASSWORD,
		name: `User ${username}`,
		email: `${username}@example.test`,
		scope: ['openid', 'profile', 'email', 'offline_access'],
		enabled: true
	});
}

export interface GlewlwydClient {
	clientId: string;
	/** Absent for a public client. */
	secret?: string;
	redirectUri: string;
	postLogoutRedirectUri?: string;
	backchannelLogoutUri?: string;
	authMethods?: string[];
}

/** Registers a client for the code flow with refresh tokens. */
export async function addClient(info: GlewlwydInfo, client: GlewlwydClient): Promise<void> {
	await adminApi(info.url, info.adminCookie)('POST', '/client/', {
		client_id: client.clientId,
		name: client.clientId,
		enabled: true,
		confidential: client.secret !== undefined,
		...(client.secret === undefined ? {} : { password: client.secret, client_secret: client.secret }),
		token_endpoint_auth_method: client.authMethods ?? (client.secret === undefined ? ['none'] : ['client_secret_basic', 'client_secret_post']),
		redirect_uri: [client.redirectUri],
		authorization_type: ['code', 'refresh_token'],
		scope: [],
		...(client.postLogoutRedirectUri ? { post_logout_redirect_uris: [client.postLogoutRedirectUri] } : {}),
		...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: 'true' } : {})
	});
}

/** One SQL query against Glewlwyd's database (read-only), rows as JSON. */
export function queryDatabase(info: GlewlwydInfo, sql: string): Record<string, unknown>[] {
	const out = execFileSync('sqlite3', ['-readonly', '-json', info.database, sql], { encoding: 'utf8' });
	return out.trim() ? (JSON.parse(out) as Record<string, unknown>[]) : [];
}

/** Glewlwyd's `gpoa_authorization_type` of an access token issued by a refresh_token grant. */
const REFRESH_TOKEN_GRANT = 6;

/** How many refresh_token grants Glewlwyd answered with tokens for `username` (from its own database). */
export function refreshGrants(info: GlewlwydInfo, username: string): number {
	const [row] = queryDatabase(
		info,
		`SELECT count(*) AS n FROM gpo_access_token WHERE gpoa_username = '${username.replace(/'/g, "''")}' AND gpoa_authorization_type = ${REFRESH_TOKEN_GRANT}`
	);
	return Number(row?.n ?? 0);
}

/** The scopes the SDK asks for by default, space-separated as Glewlwyd's grant API wants them. */
const SDK_SCOPE = 'openid profile email offline_access';

/**
 * What a person does on Glewlwyd's login page, through the API that page calls: signs `username` in
 * with the password, grants the client the SDK's scopes, continues (`g_continue`) the authorization
 * request. Returns where Glewlwyd redirects: the client's redirect URI with the code.
 */
export async function authorizeAtGlewlwyd(info: GlewlwydInfo, options: { username: string; clientId: string; authorizationUrl: string }): Promise<string> {
	const signIn = await fetch(`${info.url}/api/auth/`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ username: options.username, password: USER_PASSWORD })
	});
	const session = signIn.headers.getSetCookie().find((c) => c.startsWith('GLEWLWYD2_SESSION_ID='))?.split(';')[0];
	await signIn.body?.cancel();
	if (!signIn.ok || !session) throw new Error(`Glewlwyd's sign-in answered ${signIn.status}`);
	const grant = await fetch(`${info.url}/api/auth/grant/${encodeURIComponent(options.clientId)}`, {
		method: 'PUT',
		headers: { cookie: session, 'content-type': 'application/json' },
		body: JSON.stringify({ scope: SDK_SCOPE })
	});
	await grant.body?.cancel();
	if (!grant.ok) throw new Error(`Glewlwyd's grant answered ${grant.status}`);
	const authorization = await fetch(`${options.authorizationUrl}&g_continue`, { headers: { cookie: session }, redirect: 'manual' });
	const location = authorization.headers.get('location');
	await authorization.body?.cancel();
	if (authorization.status !== 302 || !location || location.startsWith(`${info.url}/`)) {
		throw new Error(`Glewlwyd's authorization answered ${authorization.status} ${location ?? ''}`);
	}
	return location;
}
