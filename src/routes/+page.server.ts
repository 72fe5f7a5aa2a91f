import { issuer } from '../demo-config.js';
import type { PageServerLoad } from './$types.js';

// The identity provider's portal, where "Open App" starts an IdP-initiated handoff.
export const load: PageServerLoad = () => ({ idpPortal: new URL('/?target=/dashboard', issuer).href });
