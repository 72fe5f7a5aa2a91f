// sveltekit-sso — the client entry (components and the auth context).
export type { AuthUser, SessionInfo } from './types.js';
