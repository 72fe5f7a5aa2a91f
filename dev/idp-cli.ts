// `node --import tsx dev/idp-cli.ts`: the dev identity provider on 127.0.0.1:4000 (IDP_PORT) for the
// demo app at APP_ORIGIN (default http://127.0.0.1:5173). Ctrl-C stops it.
import { DEFAULT_APP_ORIGIN, DEV_IDP_DEFAULT_PORT, startupBanner } from './clients.ts';
import { startDevIdp } from './idp.ts';

const port = process.env.IDP_PORT ? Number(process.env.IDP_PORT) : DEV_IDP_DEFAULT_PORT;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
	console.error(`IDP_PORT must be a port number, got ${JSON.stringify(process.env.IDP_PORT)}`);
	process.exit(1);
}
const appOrigin = process.env.APP_ORIGIN ?? DEFAULT_APP_ORIGIN;

const idp = await startDevIdp({ port, appOrigin });
console.log(startupBanner(idp.issuer, appOrigin));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		idp.stop().then(
			() => process.exit(0),
			() => process.exit(1)
		);
	});
}
