// The dashboard's security headers on everything the lab serves itself (the page, its assets, the
// API): the same policy as apps/dashboard's server and nginx, so the page runs under the same CSP.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const securityHeaders: FastifyPluginAsync<{ skipPrefixes: string[] }> = async (app, options) => {
  app.addHook('onSend', async (request, reply, payload) => {
    if (options.skipPrefixes.some((prefix) => request.url.startsWith(prefix))) return payload;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });
};

export default fp(securityHeaders, { name: 'lab-security-headers' });
