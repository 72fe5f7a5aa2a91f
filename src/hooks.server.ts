import { sequence } from '@sveltejs/kit/hooks';
import { createAuthHandle, createHandoffHandler } from './lib/server/index.js';
import { allowInsecureRequests, clientId, clientSecret, issuer, origin } from './demo-config.js';

export const handle = sequence(
	createAuthHandle({ issuer, clientId, origin, allowInsecureRequests, callbackPaths: ['/callback'] }),
	createHandoffHandler({ issuer, clientId, clientSecret, origin, allowInsecureRequests, errorRedirect: '/login?error=handoff_failed' })
);
