// npm run bench — the per-request cost of the SDK's hooks for a real user population, against
// reference variants in the same run: production builds (adapter-node) under wrk, route GET /api/plain,
// variants interleaved round by round (the order rotates each round), populations of 1, 2,000, 20,000
// and 100,000 distinct sessions picked uniformly or by Zipf's law (s = 1.1), and the re-seal regime
// (cookies older than the rolling interval, replayed, so every request re-seals). Then the
// micro-benchmarks and memory figures (bench/micro.ts), the refresh storm and the handoff (bench/flows.ts),
// and writes bench/results.md and bench/results.json.
//
// BENCH_QUICK=1: one round of 2 s over fewer scenarios, for development (numbers not for the record).
// BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS override; SKIP_BUILD=1 reuses .tmp/bench/build.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encode as encodeAuthjs } from '@auth/core/jwt';
import { CookieBatch } from '../src/lib/cookies/cookie-batch.js';
import { createSealer } from '../src/lib/cookies/seal.js';
import { createSessionCookie } from '../src/lib/cookies/session-cookie.js';
import { resolveSessionOptions } from '../src/lib/cookies/session-options.js';
import { DEFAULTS } from '../src/lib/defaults.js';
import { startApp, TEST_SECRET, type RunningApp } from '../tests/support/app-server.js';
import { evaluateTargets, renderResults, type Results, type Scenario, type Stats } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
// wrk takes whole seconds only.
if (!Number.isInteger(SECONDS) || SECONDS < 1) throw new Error(`BENCH_SECONDS must be a whole number of seconds ≥ 1, not ${process.env.BENCH_SECONDS}`);
const WORK = `${ROOT}.tmp/bench`;
const ROLLING_INTERVAL_MS = DEFAULTS.session.rollingInterval * 1000;
const version = (name: string) => JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version as string;

export const VARIANTS = [
	{ id: 'none', name: 'no hook', env: 'none', cookies: 'sso' },
	{ id: 'pass', name: 'pass-through hook', env: 'baseline', cookies: 'sso' },
	{ id: 'auth', name: 'createAuthHandle', env: 'auth-handle', cookies: 'sso', cached: true, sdk: true },
	{ id: 'seed', name: 'sequence(createAuthHandle, createHandoffHandler)', env: 'seed', cookies: 'sso', cached: true, sdk: true },
	{ id: 'seq-pass', name: 'sequence(pass-through, pass-through)', env: 'baseline-sequence', cookies: 'sso' },
	{ id: 'naive', name: 'naive hook: jose compactDecrypt every request', env: 'naive-jose', cookies: 'sso', marked: true },
	{ id: 'authjs', name: 'Auth.js @auth/sveltekit (JWT session)', env: 'authjs', cookies: 'authjs', marked: true }
] as const;
type Variant = (typeof VARIANTS)[number];

// BENCH_ONLY=id,id: only these scenarios, merged into the existing bench/results.json (the other
// scenarios, the micro-benchmarks, memory and flows kept from the run that wrote it).
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const ALL_SCENARIOS: Scenario[] = QUICK
	? [
			{ id: 'one', label: '1 cookie', population: 1, dist: 'uniform' },
			{ id: '2k-uniform', label: '2,000 sessions, uniform', population: 2_000, dist: 'uniform' },
			{ id: '100k-zipf', label: '100,000 sessions, Zipf s=1.1', population: 100_000, dist: 'zipf' },
			{ id: 'reseal-2k', label: 're-seal: 2,000 sessions older than the rolling interval, uniform', population: 2_000, dist: 'uniform', reseal: true }
		]
	: [
			{ id: 'one', label: '1 cookie', population: 1, dist: 'uniform' },
			{ id: '2k-uniform', label: '2,000 sessions, uniform', population: 2_000, dist: 'uniform' },
			{ id: '2k-zipf', label: '2,000 sessions, Zipf s=1.1', population: 2_000, dist: 'zipf' },
			{ id: '20k-uniform', label: '20,000 sessions, uniform', population: 20_000, dist: 'uniform' },
			{ id: '20k-zipf', label: '20,000 sessions, Zipf s=1.1', population: 20_000, dist: 'zipf' },
			{ id: '100k-uniform', label: '100,000 sessions, uniform', population: 100_000, dist: 'uniform' },
			{ id: '100k-zipf', label: '100,000 sessions, Zipf s=1.1', population: 100_000, dist: 'zipf' },
			{ id: 'reseal-20k', label: 're-seal: 20,000 sessions older than the rolling interval, uniform', population: 20_000, dist: 'uniform', reseal: true }
		];
const SCENARIOS = ONLY.length ? ALL_SCENARIOS.filter((s) => ONLY.includes(s.id)) : ALL_SCENARIOS;

function ensureWrk(): string {
	const found = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
	if (found) return found;
	console.log('wrk is missing: installing the Debian package');
	const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
	execFileSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', 'wrk'], { stdio: 'inherit' });
	return spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
}

/** Writes `count` distinct SDK session cookies (one `sso=…` line each), touched `ageMs` ago. */
async function mintSso(file: string, count: number, ageMs: number): Promise<number> {
	const now = Date.now() - ageMs;
	const clock = () => now;
	const options = resolveSessionOptions('bench', undefined);
	const session = createSessionCookie({ options, sealer: createSealer({ secrets: [TEST_SECRET], purpose: 'session', clock }), clock, cacheSize: 1 });
	const url = new URL('http://127.0.0.1/');
	const lines: string[] = [];
	for (let i = 0; i < count; i++) {
		const batch = new CookieBatch();
		const user = { id: `user-${i}`, name: `Bench User ${i}`, email: `user-${i}@example.com` };
		await session.write(batch, url, { id: `sid-${i}-${Math.random().toString(36).slice(2)}`, source: 'testing', user, createdAt: now, touchedAt: now }, []);
		lines.push(batch.writes.map((w) => `${w.name}=${w.value}`).join('; '));
	}
	writeFileSync(file, lines.join('\n') + '\n');
	return lines[0].length;
}

/** Writes `count` distinct Auth.js session cookies (JWT strategy, the same user fields). */
async function mintAuthjs(file: string, count: number): Promise<number> {
	const name = 'authjs.session-token';
	const lines: string[] = [];
	for (let i = 0; i < count; i++) {
		const token = await encodeAuthjs({ token: { sub: `user-${i}`, name: `Bench User ${i}`, email: `user-${i}@example.com` }, secret: TEST_SECRET, salt: name, maxAge: 30 * 24 * 3600 });
		lines.push(`${name}=${token}`);
	}
	writeFileSync(file, lines.join('\n') + '\n');
	return lines[0].length;
}

interface WrkResult {
	rps: number;
	p50: number;
	p99: number;
	errors: number;
}

function wrk(bin: string, url: string, cookies: string, dist: string, seconds: number): WrkResult {
	const result = spawnSync(bin, ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', `${ROOT}bench/pick-cookie.lua`, url], {
		encoding: 'utf8',
		env: { ...process.env, BENCH_COOKIES: cookies, BENCH_DIST: dist, BENCH_PATH: '/api/plain', BENCH_THREADS: '1' },
		maxBuffer: 16 * 1024 * 1024
	});
	const line = result.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
	if (!line) throw new Error(`wrk gave no result: ${result.stdout}\n${result.stderr}`);
	const r = JSON.parse(line.slice('BENCH_RESULT '.length));
	const errors = r.non2xx + r.connect + r.read + r.write + r.timeout;
	if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers`);
	return { rps: r.requests / (r.duration_us / 1e6), p50: r.p50_us / 1000, p99: r.p99_us / 1000, errors };
}

/** Every cookie of the file once, in order (wrk, then stops): fills a variant's session cache. */
function warm(bin: string, url: string, file: string) {
	const result = spawnSync(bin, ['-t1', `-c${CONNECTIONS}`, '-d600s', '-s', `${ROOT}bench/pick-cookie.lua`, url], {
		encoding: 'utf8',
		env: { ...process.env, BENCH_COOKIES: file, BENCH_DIST: 'sequential', BENCH_PATH: '/api/plain', BENCH_THREADS: '1' }
	});
	if (!result.stdout.includes('BENCH_WARMED')) throw new Error(`the warm-up did not finish: ${result.stdout}\n${result.stderr}`);
}

/** Fails the run when a variant would measure the signed-out path. */
async function checkSignedIn(variant: Variant, app: RunningApp, cookie: string, reseal: boolean) {
	if ('sdk' in variant) {
		const response = await fetch(`${app.url}/api/whoami`, { headers: { cookie } });
		const body = await response.json();
		if (!body.isAuthenticated) throw new Error(`${variant.name}: the minted session is not accepted`);
		const resealed = response.headers.getSetCookie().some((c) => c.startsWith('sso='));
		if (reseal && !resealed) throw new Error(`${variant.name}: an old cookie was not re-sealed`);
		if (!reseal && resealed) throw new Error(`${variant.name}: a fresh cookie was re-sealed (the scenario would measure the re-seal regime)`);
	} else if ('marked' in variant) {
		const response = await fetch(`${app.url}/api/plain`, { headers: { cookie } });
		await response.arrayBuffer();
		if (response.headers.get('x-bench-session') !== '1') throw new Error(`${variant.name}: the minted session is not accepted`);
	}
}

function rssOf(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const gitCommit = () => spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown';

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const stats = (values: number[]): Stats => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), rounds: values });

function runChild(script: string, env: Record<string, string> = {}): unknown {
	const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
	const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
	if (!line) throw new Error(`${script} printed no result`);
	return JSON.parse(line.slice('BENCH_JSON '.length));
}

async function main() {
	const load = { start: loadavg(), end: [] as number[] };
	const bin = ensureWrk();
	mkdirSync(WORK, { recursive: true });
	const build = `${WORK}/build`;
	if (process.env.SKIP_BUILD !== '1' || !existsSync(`${build}/index.js`)) {
		console.log('building the demo (production, adapter-node)…');
		execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], {
			cwd: ROOT,
			stdio: 'inherit',
			env: { ...process.env, NODE_ENV: 'production', SSO_KIT_OUT: `${WORK}/kit`, SSO_BUILD_OUT: build }
		});
	}

	// Cookie files. Auth.js cookies (no rolling interval) and the re-seal regime's old cookies are minted
	// once; the SDK's fresh cookies are minted just before their scenario: a cookie older than the rolling
	// interval (5 min) is re-sealed on every replayed request, so a file minted at the start of a run
	// that lasts longer would measure the re-seal regime in every later scenario.
	const files = new Map<string, string>();
	const cookieBytes: Record<string, number> = {};
	const mintedAt = new Map<string, number>();
	const fileKey = (kind: 'sso' | 'authjs', scenario: Scenario) => `${kind}-${scenario.population}${scenario.reseal && kind === 'sso' ? '-old' : ''}`;
	async function mint(kind: 'sso' | 'authjs', scenario: Scenario, fresh: boolean) {
		const key = fileKey(kind, scenario);
		if (files.has(key) && !fresh) return;
		const file = `${WORK}/${key}.txt`;
		const old = scenario.reseal && kind === 'sso';
		const start = Date.now();
		console.log(`minting ${scenario.population} ${kind} cookies${old ? ' older than the rolling interval' : ''}…`);
		cookieBytes[kind] = kind === 'sso' ? await mintSso(file, scenario.population, old ? 6 * 60_000 : 0) : await mintAuthjs(file, scenario.population);
		files.set(key, file);
		mintedAt.set(key, start);
	}
	for (const scenario of SCENARIOS) {
		await mint('authjs', scenario, false);
		if (scenario.reseal) await mint('sso', scenario, false);
	}

	const apps = new Map<string, RunningApp>();
	// Interrupted (Ctrl-C), the servers stop too.
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			Promise.allSettled([...apps.values()].map((app) => app.stop())).finally(() => process.exit(130));
		});
	}
	const results: Results['throughput'] = {};
	const rss: Record<string, number> = {};
	try {
		for (const v of VARIANTS) apps.set(v.id, await startApp({ SSO_BENCH_VARIANT: v.env }, { buildDir: build }));
		for (const scenario of SCENARIOS) {
			console.log(`\n== ${scenario.label}`);
			if (!scenario.reseal) await mint('sso', scenario, true);
			const fileOf = (v: Variant) => files.get(fileKey(v.cookies, scenario))!;
			for (const v of VARIANTS) {
				const app = apps.get(v.id)!;
				const file = fileOf(v);
				await checkSignedIn(v, app, readFileSync(file, 'utf8').split('\n')[0], scenario.reseal === true);
				// A long-running instance has its active sessions cached; the re-seal regime is measured as replayed.
				if ('cached' in v && !scenario.reseal && scenario.population > 1) warm(bin, app.url, file);
				wrk(bin, app.url, file, scenario.dist, 1); // JIT and connection warm-up
			}
			const samples = new Map<string, { rps: number[]; p50: number[]; p99: number[] }>(VARIANTS.map((v) => [v.id, { rps: [], p50: [], p99: [] }]));
			for (let round = 0; round < ROUNDS; round++) {
				const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
				for (const v of order) {
					const r = wrk(bin, apps.get(v.id)!.url, fileOf(v), scenario.dist, SECONDS);
					const s = samples.get(v.id)!;
					s.rps.push(r.rps);
					s.p50.push(r.p50);
					s.p99.push(r.p99);
				}
				console.log(`round ${round + 1}/${ROUNDS}: ${VARIANTS.map((v) => `${v.id} ${Math.round(samples.get(v.id)!.rps[round])}`).join(' · ')} req/s`);
			}
			// Every request of a fresh scenario must have been a cookie younger than the rolling interval.
			const age = Date.now() - mintedAt.get(fileKey('sso', scenario))!;
			if (!scenario.reseal && age >= ROLLING_INTERVAL_MS) throw new Error(`${scenario.label}: the scenario outlasted the rolling interval (${Math.round(age / 1000)} s): its last rounds measured the re-seal regime`);
			results[scenario.id] = Object.fromEntries(VARIANTS.map((v) => [v.id, { rps: stats(samples.get(v.id)!.rps), p50: stats(samples.get(v.id)!.p50), p99: stats(samples.get(v.id)!.p99) }]));
			// After the first 100,000-session scenario: every one of them has been seen (warmed) by the cached variants.
			if (scenario.population === 100_000 && Object.keys(rss).length === 0) for (const v of VARIANTS) rss[v.id] = rssOf(apps.get(v.id)!.pid);
		}
	} finally {
		for (const app of apps.values()) await app.stop();
	}

	if (ONLY.length) {
		const previous = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as Results;
		for (const scenario of SCENARIOS) previous.throughput[scenario.id] = results[scenario.id];
		if (Object.keys(rss).length) previous.rss = rss;
		if (process.env.BENCH_MICRO === '1') previous.micro = runChild('bench/micro.ts', { BENCH_QUICK: QUICK ? '1' : '0' }) as Results['micro'];
		if (process.env.BENCH_FLOWS === '1') {
			try {
				previous.flows = runChild('bench/flows.ts', { BENCH_QUICK: QUICK ? '1' : '0', SSO_TEST_BUILD: build }) as Results['flows'];
			} catch (error) {
				console.error(`bench/flows.ts failed: ${(error as Error).message}`);
			}
		}
		previous.reruns = [...(previous.reruns ?? []), { run: new Date().toISOString(), scenarios: SCENARIOS.map((s) => s.id), commit: gitCommit(), loadavg: { start: load.start, end: loadavg() } }];
		previous.targets = evaluateTargets(previous);
		writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(previous, null, '\t') + '\n');
		writeFileSync(new URL('./results.md', import.meta.url), renderResults(previous));
		console.log(renderResults(previous));
		return;
	}
	console.log('\nmicro-benchmarks and memory (bench/micro.ts)…');
	const micro = runChild('bench/micro.ts', { BENCH_QUICK: QUICK ? '1' : '0' }) as Results['micro'];
	console.log('refresh storm and handoff (bench/flows.ts)…');
	let flows: Results['flows'] = null;
	try {
		flows = runChild('bench/flows.ts', { BENCH_QUICK: QUICK ? '1' : '0', SSO_TEST_BUILD: build }) as Results['flows'];
	} catch (error) {
		console.error(`bench/flows.ts failed: ${(error as Error).message}`);
	}
	console.log('compare-and-set per store backend (bench/stores.mjs)…');
	let stores: Results['stores'] = null;
	try {
		stores = runChild('bench/stores.mjs', QUICK ? { BENCH_OPS: '200', BENCH_ROUNDS: '1' } : {}) as Results['stores'];
	} catch (error) {
		console.error(`bench/stores.mjs failed: ${(error as Error).message}`);
	}
	load.end = loadavg();

	const results_: Results = {
		run: new Date().toISOString(),
		commit: gitCommit(),
		quick: QUICK,
		machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), loadavg: load },
		versions: {
			node: process.version,
			'@sveltejs/kit': version('@sveltejs/kit'),
			'@sveltejs/adapter-node': version('@sveltejs/adapter-node'),
			jose: version('jose'),
			oauth4webapi: version('oauth4webapi'),
			'@auth/sveltekit': version('@auth/sveltekit'),
			'@auth/core': version('@auth/core'),
			wrk: spawnSync(bin, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] || spawnSync(bin, ['-v'], { encoding: 'utf8' }).stderr.split('\n')[0]
		},
		config: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, wrkThreads: 1, route: 'GET /api/plain' },
		variants: VARIANTS.map((v) => ({ id: v.id, name: v.name })),
		scenarios: SCENARIOS,
		cookieBytes,
		throughput: results,
		rss,
		micro,
		flows,
		stores,
		targets: []
	};
	results_.targets = evaluateTargets(results_);
	writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results_, null, '\t') + '\n');
	const md = renderResults(results_);
	writeFileSync(new URL('./results.md', import.meta.url), md);
	console.log(`\n${md}`);
}

await main();
