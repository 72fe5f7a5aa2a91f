import type { RequestEvent } from '@sveltejs/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthHandle } from '../../../../src/lib/server/auth-handle.js';
import { resolveSharedConfig, type SharedOptions } from '../../../../src/lib/server/config/shared-config.js';
import type { Handle } from '../../../../src/lib/server/handle-type.js';
import { createHandoffHandler } from '../../../../src/lib/server/handoff-handler.js';
import { joinRuntime } from '../../../../src/lib/server/runtime/registry.js';
import { InMemoryRefreshTokenFamilyStore } from '../../../../src/lib/stores/memory-refresh-token-family-store.js';
import type { ServerAuthContext } from '../../../../src/lib/types.js';
import { fakeEvent, OTHER_SECRET, TEST_SECRET } from '../../../support/fake-event.js';
import { startVerifyServer, type VerifyServer } from '../../../support/verify-server.js';

vi.spyOn(console, 'warn').mockImplementation(() => {});

const APP = 'http://127.0.0.1:5173';
const servers: VerifyServer[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function verifyServer() {
	const server = await startVerifyServer();
	servers.push(server);
	return server;
}

/** What `sequence` does, without Kit's request store: each handle's resolve is the next handle. */
function chain(handles: Handle[]): Handle {
	return ({ event, resolve }) => {
		const step = (i: number, e: RequestEvent): ReturnType<Handle> =>
			i === handles.length ? resolve(e) : handles[i]({ event: e, resolve: (next) => step(i + 1, next) as Promise<Response> });
		return step(0, event);
	};
}

async function request(handle: Handle, path: string, cookie = '') {
	const event = fakeEvent(`${APP}${path}`, { cookie });
	let auth: ServerAuthContext | undefined;
	const response = await handle({
		event,
		resolve: async (e) => {
			auth = (e.locals as { auth?: ServerAuthContext }).auth;
			return new Response('page');
		}
	});
	const setCookies = [...response.headers.getSetCookie(), ...event.kit.setCookies()];
	const cookieHeader = setCookies
		.filter((c) => !/Max-Age=0/i.test(c))
		.map((c) => c.split(';')[0])
		.join('; ');
	return { status: response.status, location: response.headers.get('location'), names: setCookies.map((c) => c.split('=')[0]).sort(), cookieHeader, auth };
}

type Mount = (issuer: string) => Handle[];
const auth = (issuer: string) => createAuthHandle({ issuer, clientId: 'app', secret: TEST_SECRET, allowInsecureRequests: true, origin: APP });
const handoff = (issuer: string) => createHandoffHandler({ issuer, clientId: 'app', allowInsecureRequests: true });

describe('one runtime per issuer and client, whatever is mounted', () => {
	const mounts: [string, Mount][] = [
		['sequence(createAuthHandle, createHandoffHandler)', (i) => [auth(i), handoff(i)]],
		['sequence(createHandoffHandler, createAuthHandle)', (i) => [handoff(i), auth(i)]],
		['createAuthHandle mounted twice, then the handler', (i) => [auth(i), auth(i), handoff(i)]],
		['the handler mounted twice, then createAuthHandle', (i) => [handoff(i), handoff(i), auth(i)]]
	];

	async function scenario(mount: Mount) {
		const server = await verifyServer();
		const handle = chain(mount(server.issuer));
		const arrival = await request(handle, '/page?handoff_token=tok-0123456789abcdef&state=idp-state-12345678');
		const next = await request(handle, '/page', arrival.cookieHeader);
		return { arrival: { ...arrival, cookieHeader: undefined, auth: undefined }, next: { user: next.auth?.user?.id ?? null, signedIn: next.auth?.isAuthenticated }, calls: server.calls() };
	}

	it('signs a handoff in and reads its session back identically in every order and multiplicity', async () => {
		const outcomes = [];
		for (const [, mount] of mounts) outcomes.push(await scenario(mount));
		expect(outcomes[0]).toMatchObject({ arrival: { status: 303, location: '/page' }, next: { user: 'u1', signedIn: true }, calls: 1 });
		expect(outcomes[0].arrival.names).toContain('sso');
		for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
	});

	it('gives a handoff session a locals.auth with only createHandoffHandler mounted', async () => {
		const server = await verifyServer();
		const handle = chain([handoff(server.issuer)]);
		const arrival = await request(handle, '/page?handoff_token=tok-0123456789abcdef&state=idp-state-12345678');
		const next = await request(handle, '/page', arrival.cookieHeader);
		expect(next.auth).toMatchObject({ isAuthenticated: true, user: { id: 'u1' } });
		const signedOut = await request(handle, '/page');
		expect(signedOut.auth).toMatchObject({ isAuthenticated: false, user: null });
	});
});

describe('shared options between entry points', () => {
	it('refuses a shared option that differs between createAuthHandle and createHandoffHandler, naming it', () => {
		const issuer = 'https://conflict.example';
		createAuthHandle({ issuer, clientId: 'app', secret: TEST_SECRET, origin: APP });
		expect(() => createHandoffHandler({ issuer, clientId: 'app', secret: OTHER_SECRET })).toThrow(
			/createHandoffHandler: options\.secret differs from the one createAuthHandle uses for the same issuer and clientId/
		);
		// The same value, or none at all, is the same system.
		expect(() => createHandoffHandler({ issuer, clientId: 'app', secret: TEST_SECRET })).not.toThrow();
		expect(() => createHandoffHandler({ issuer, clientId: 'app' })).not.toThrow();
	});

	it('lets an option given to either entry point serve both, in either order', () => {
		const store = new InMemoryRefreshTokenFamilyStore();
		const join = (fn: 'createAuthHandle' | 'createHandoffHandler', options: SharedOptions) => joinRuntime(fn, options, resolveSharedConfig(fn, options));
		const first = join('createHandoffHandler', { issuer: 'https://order.example', clientId: 'app', secret: TEST_SECRET });
		const second = join('createAuthHandle', { issuer: 'https://order.example', clientId: 'app', familyStore: store });
		expect(first.get()).toBe(second.get());
		expect(first.get().store).toBe(store);
		expect(first.get().config.secrets).toEqual([TEST_SECRET]);
		expect(first.get().hasAuthHandle()).toBe(true);
	});

	it('makes the handoff verify call with the fetch given to createAuthHandle when the handler leaves it out', async () => {
		const server = await verifyServer();
		const seen: string[] = [];
		const fetchOfApp: typeof fetch = (input, init) => {
			seen.push(String(input instanceof Request ? input.url : input));
			return fetch(input, init);
		};
		const handle = chain([
			createAuthHandle({ issuer: server.issuer, clientId: 'app', secret: TEST_SECRET, allowInsecureRequests: true, origin: APP, fetch: fetchOfApp }),
			createHandoffHandler({ issuer: server.issuer, clientId: 'app', allowInsecureRequests: true })
		]);
		const arrival = await request(handle, '/page?handoff_token=tok-0123456789abcdef&state=idp-state-12345678');
		expect(arrival.status).toBe(303);
		expect(server.calls()).toBe(1);
		expect(seen).toHaveLength(1);
		expect(seen[0].startsWith(server.issuer)).toBe(true);
	});

	it('starts a new runtime when the same entry point is constructed again with other options (a reloaded hooks file)', () => {
		const join = (options: SharedOptions) => joinRuntime('createAuthHandle', options, resolveSharedConfig('createAuthHandle', options));
		const a = join({ issuer: 'https://reload.example', clientId: 'app', secret: TEST_SECRET, timeoutMs: 1_000 });
		const same = join({ issuer: 'https://reload.example', clientId: 'app', secret: TEST_SECRET, timeoutMs: 1_000 });
		const other = join({ issuer: 'https://reload.example', clientId: 'app', secret: TEST_SECRET, timeoutMs: 2_000 });
		expect(same.get()).toBe(a.get());
		expect(other.get()).not.toBe(a.get());
		expect(other.get().config.timeoutMs).toBe(2_000);
	});

	it('refuses, once built, a store or function the runtime was not built with', () => {
		const options = { issuer: 'https://built.example', clientId: 'app', secret: TEST_SECRET };
		joinRuntime('createAuthHandle', options, resolveSharedConfig('createAuthHandle', options)).get();
		const late = { ...options, familyStore: new InMemoryRefreshTokenFamilyStore() };
		expect(() => joinRuntime('createHandoffHandler', late, resolveSharedConfig('createHandoffHandler', late))).toThrow(/options\.familyStore differs/);
	});
});
