import { startDevIdp, type DevIdp, type StartDevIdpOptions } from '../../dev/idp.js';
import { freePort, startApp, type RunningApp } from './app-server.js';

/** The dev IdP and a production build of the demo wired to each other on loopback. */
export async function startIdpAndApp(
	env: Record<string, string> = {},
	idpOptions: StartDevIdpOptions = {}
): Promise<{ idp: DevIdp; app: RunningApp; stop(): Promise<void> }> {
	const port = await freePort();
	const idp = await startDevIdp({ ...idpOptions, port: 0, appOrigin: `http://127.0.0.1:${port}` });
	const app = await startApp({ SSO_ISSUER: idp.issuer, ...env }, { port });
	return {
		idp,
		app,
		async stop() {
			await app.stop();
			await idp.stop();
		}
	};
}

/** The Set-Cookie lines of a response that set (not delete) a cookie whose name contains `marker`. */
export function cookiesSet(response: Response, marker = 'sso'): string[] {
	return response.headers.getSetCookie().filter((c) => c.split('=')[0].includes(marker) && !/Max-Age=0/i.test(c));
}

/** A Cookie header from the Set-Cookie lines of a response. */
export function cookieHeaderFrom(response: Response): string {
	return response.headers
		.getSetCookie()
		.filter((c) => !/Max-Age=0/i.test(c))
		.map((c) => c.split(';')[0])
		.join('; ');
}

/** Merges Set-Cookie lines into a Cookie header the way a browser jar would. */
export function mergeCookies(header: string, response: Response): string {
	const jar = new Map(header.split('; ').filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
	for (const line of response.headers.getSetCookie()) {
		const pair = line.split(';')[0];
		const name = pair.slice(0, pair.indexOf('='));
		if (/Max-Age=0/i.test(line)) jar.delete(name);
		else jar.set(name, pair.slice(pair.indexOf('=') + 1));
	}
	return [...jar].map(([n, v]) => `${n}=${v}`).join('; ');
}
