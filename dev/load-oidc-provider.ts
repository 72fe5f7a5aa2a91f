/// <reference path="./oidc-provider.d.ts" />
// oidc-provider 9 checks the Node.js release when it is first imported and prints
//   oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.
// on anything older than Node 22 (lib/index.js; no option or environment variable turns the check
// off). This project supports Node >= 20.19 and runs the dev identity provider and every test on
// Node 20, where oidc-provider works; the warning is about panva's support policy for production
// authorization servers, which the dev IdP is not. So exactly that line is dropped, during that one
// import only; every other warning oidc-provider prints still reaches the console.

const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.';
// oidc-provider colours its warnings when stderr is a terminal.
const ANSI = /\x1b\[[0-9;]*m/g;

async function importWithoutRuntimeWarning(): Promise<typeof import('oidc-provider')> {
	const warn = console.warn;
	console.warn = (...args: unknown[]) => {
		if (args.length === 1 && typeof args[0] === 'string' && args[0].replace(ANSI, '') === UNSUPPORTED_RUNTIME) return;
		warn.apply(console, args);
	};
	try {
		return await import('oidc-provider');
	} finally {
		console.warn = warn;
	}
}

const oidcProvider = await importWithoutRuntimeWarning();

export const Provider = oidcProvider.default;
export const errors = oidcProvider.errors;
