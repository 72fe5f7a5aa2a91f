import type { ServerAuthContext } from './lib/server/index.js';

declare global {
	namespace App {
		interface Locals {
			auth: ServerAuthContext;
		}
	}
}

export {};
