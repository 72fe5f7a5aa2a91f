// Just enough typing of oidc-provider 9 for the dev IdP (the package ships no types, and the
// DefinitelyTyped package lags its major versions). Loose on purpose: the dev IdP is not public API.
declare module 'oidc-provider' {
	import type { IncomingMessage, ServerResponse } from 'node:http';

	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	type Any = any;

	export type KoaContextWithOIDC = Any;
	export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void> | void;

	export class Provider {
		constructor(issuer: string, configuration?: Record<string, unknown>);
		readonly issuer: string;
		proxy: boolean;
		use(middleware: Middleware): this;
		callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
		createContext(req: IncomingMessage, res: ServerResponse): KoaContextWithOIDC;
		on(event: string, listener: (...args: Any[]) => void): this;
		interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Any>;
		interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
		readonly Session: Any;
		readonly Client: Any;
		readonly Grant: Any;
		readonly AccessToken: Any;
		readonly RefreshToken: Any;
		readonly AuthorizationCode: Any;
	}

	export const errors: Any;

	export default Provider;
}

// oidc-provider's own in-memory adapter (what it uses when no adapter is configured).
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
	export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
