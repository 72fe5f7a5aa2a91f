import { misuse } from '../../errors.js';
import { resolveSharedConfig, SHARED_OPTION_NAMES, type SharedConfig, type SharedOptions } from '../config/shared-config.js';
import type { AuthErrorInfo } from '../http/error-reporter.js';
import { issuerKey } from '../oidc/claims.js';
import { buildRuntime, type EntryPoint, type Runtime } from './runtime.js';

// The composition root's registry: one runtime per (issuer, client id) for the whole process, whatever
// entry points the app mounts and in whatever order. docs/ARCHITECTURE.md explains the rules:
//
// - An entry point joins the newest runtime of its issuer and client. A shared option it sets must
//   agree with what the others set (or, once the runtime is built, with what it was built from);
//   options it leaves out are inherited. Disagreement is a configuration error naming the option.
// - The same entry point constructed again with the same options joins too (mounted twice behaves as
//   once). Constructed again with other options, it starts a new runtime: a hooks file reloaded by
//   Vite, or a test that builds a second app in one process. Runtimes already handed out live on.
// - The runtime is built on first use, after every entry point of hooks.server.ts has joined, so a
//   `familyStore` given only to the second hook still serves the first.

type SharedName = (typeof SHARED_OPTION_NAMES)[number];

interface Entry {
	readonly key: string;
	/** The shared options given explicitly so far, merged. */
	options: Partial<SharedOptions>;
	config: SharedConfig;
	readonly entryPoints: Map<EntryPoint, Partial<SharedOptions>>;
	readonly loggers: Set<(info: AuthErrorInfo) => unknown>;
	transactionOrigin: URL | undefined;
	built?: Runtime;
}

/** A handle on a runtime: validated config now, the built runtime on first use. */
export interface RuntimeRef {
	/** The merged, validated shared configuration. */
	readonly config: SharedConfig;
	/** The runtime; built on the first call. */
	get(): Runtime;
}

const newest = new Map<string, Entry>();

function explicitOptions(options: SharedOptions): Partial<SharedOptions> {
	const out: Record<string, unknown> = {};
	for (const name of SHARED_OPTION_NAMES) if (options[name] !== undefined) out[name] = options[name];
	return out as Partial<SharedOptions>;
}

// Functions and objects are compared by identity (the same store, clock or fetch); data by its
// validated value, so `secret: env.AUTH_SECRET` agrees with a hook that read AUTH_SECRET itself.
// `clientAuth` too: a private key (a CryptoKey serializes to `{}`) is the same only as itself.
const BY_IDENTITY = new Set<SharedName>(['clock', 'fetch', 'familyStore', 'userFromClaims', 'clientAuth']);

function resolvedValue(config: SharedConfig, name: SharedName): unknown {
	switch (name) {
		case 'issuer':
			return config.issuerId;
		case 'secret':
			return config.secrets;
		case 'origin':
			return config.origin?.href;
		default:
			return config[name as keyof SharedConfig];
	}
}

function agrees(name: SharedName, entry: Entry, options: Partial<SharedOptions>, config: SharedConfig): boolean {
	if (BY_IDENTITY.has(name)) {
		// Built with the default, a function or store given later cannot be the one in use.
		return entry.options[name] === undefined ? !entry.built : entry.options[name] === options[name];
	}
	if (entry.options[name] === undefined && !entry.built) return true;
	return JSON.stringify(resolvedValue(entry.config, name)) === JSON.stringify(resolvedValue(config, name));
}

/** The same options given again (a hook mounted twice): functions and stores by identity, data by value. */
function sameOptions(a: Partial<SharedOptions>, b: Partial<SharedOptions>): boolean {
	const names = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<SharedName>;
	for (const name of names) {
		if (BY_IDENTITY.has(name) ? a[name] !== b[name] : JSON.stringify(a[name]) !== JSON.stringify(b[name])) return false;
	}
	return true;
}

/**
 * Joins an entry point to the runtime of its issuer and client (see the rules above).
 * `hints.transactionOrigin` is where app-initiated handoffs return when no origin is configured.
 *
 * @throws TypeError (`ERR_INVALID_OPTION`) when a shared option disagrees with another entry point's.
 */
export function joinRuntime(
	fn: EntryPoint,
	options: SharedOptions,
	config: SharedConfig,
	hints: { transactionOrigin?: URL } = {}
): RuntimeRef {
	const key = `${issuerKey(config.issuer.href)}\u0000${config.clientId}`;
	const explicit = explicitOptions(options);
	let entry = newest.get(key);
	const previous = entry?.entryPoints.get(fn);
	if (entry && previous && !sameOptions(previous, explicit)) entry = undefined;
	if (entry) {
		for (const name of Object.keys(explicit) as SharedName[]) {
			if (!agrees(name, entry, explicit, config)) {
				const others = [...entry.entryPoints.keys()].join(' and ');
				throw misuse(
					'ERR_INVALID_OPTION',
					`${fn}: options.${name} differs from the one ${others} uses for the same issuer and clientId. They share one session, store and secret: give the option once, or the same value everywhere.`
				);
			}
		}
		if (!entry.built) {
			entry.options = { ...entry.options, ...explicit };
			entry.config = resolveSharedConfig(fn, entry.options as SharedOptions);
		}
	} else {
		entry = { key, options: explicit, config, entryPoints: new Map(), loggers: new Set(), transactionOrigin: undefined };
		newest.set(key, entry);
	}
	entry.entryPoints.set(fn, explicit);
	if (options.onError) entry.loggers.add(options.onError);
	entry.transactionOrigin ??= hints.transactionOrigin;
	const joined = entry;
	return {
		get config() {
			return joined.config;
		},
		get(): Runtime {
			return (joined.built ??= buildRuntime(joined.config, {
				entryPoints: joined.entryPoints,
				loggers: joined.loggers,
				transactionOrigin: joined.transactionOrigin
			}));
		}
	};
}
