// `npm run dev`: the embedded dev identity provider on 127.0.0.1:4000 and the demo app on
// 127.0.0.1:5173, together, with no account anywhere and no network. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { DEFAULT_APP_ORIGIN, DEV_IDP_DEFAULT_PORT, startupBanner } from './clients.ts';
import { startDevIdp } from './idp.ts';

const idp = await startDevIdp({ port: Number(process.env.IDP_PORT ?? DEV_IDP_DEFAULT_PORT), appOrigin: DEFAULT_APP_ORIGIN });
const app = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'dev', '--host', '127.0.0.1', '--port', '5173', '--strictPort'], {
	stdio: 'inherit',
	env: { ...process.env, SSO_ISSUER: idp.issuer, ORIGIN: DEFAULT_APP_ORIGIN }
});

console.log(`
sveltekit-sso demo     ${DEFAULT_APP_ORIGIN}/  (sign in, dashboard, session)
${startupBanner(idp.issuer, DEFAULT_APP_ORIGIN)}

(The demo holds ${new URL(DEFAULT_APP_ORIGIN).host} now: for your own app there, run \`npm run dev:idp\` instead.)
`);

async function stop(code: number) {
	app.kill('SIGTERM');
	await idp.stop().catch(() => {});
	process.exit(code);
}
app.on('exit', (code) => void stop(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(0));
