// The demo's configuration, from the environment. `npm run dev` starts the embedded dev identity
// provider on 127.0.0.1:4000 and sets nothing, so these defaults point at it.
const env = (name: string, fallback: string) => process.env[name] || fallback;

export const issuer = env('SSO_ISSUER', 'http://127.0.0.1:4000');
export const clientId = env('SSO_CLIENT_ID', 'demo');
export const clientSecret = env('SSO_CLIENT_SECRET', 'demo-secret-demo-secret-demo-secret-00');
export const origin = env('ORIGIN', 'http://127.0.0.1:5173');
// The dev IdP speaks plain http on loopback; anything else must be https.
export const allowInsecureRequests = new URL(issuer).protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(new URL(issuer).hostname);
