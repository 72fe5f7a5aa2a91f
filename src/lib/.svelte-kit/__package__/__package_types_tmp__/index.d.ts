export type { AuthUser, SessionInfo } from './types.js';
