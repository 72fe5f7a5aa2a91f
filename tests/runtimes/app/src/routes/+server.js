/** The landing page a handoff returns to. */
export const GET = () => new Response('home', { headers: { 'content-type': 'text/plain' } });
