// The lab's token: every /api/lab request carries it as `authorization: Bearer <token>` or
// `?token=<token>`, else 401. Compared in constant time; never logged (request logging is off and
// the logger's request serializer drops the query string).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface TokenAuthOptions {
  token: string;
  /** Paths under this prefix need the token. */
  prefix: string;
}

/** The token a request presents, or null. */
export function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : null;
}

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const tokenAuth: FastifyPluginAsync<TokenAuthOptions> = async (app, options) => {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path !== options.prefix && !path.startsWith(`${options.prefix}/`)) return;
    if (tokenMatches(presentedToken(request), options.token)) return;
    return reply.code(401).header('www-authenticate', 'Bearer realm="ingestlab lab"').send({
      error:
        'the lab token is missing or wrong: open the address `pnpm lab` printed, or send "authorization: Bearer <token>"',
    });
  });
};

export default fp(tokenAuth, { name: 'lab-token-auth' });
