// The page and its two systems on one origin, as the demo serves them: the built dashboard from
// apps/dashboard/dist, and /s1, /s2 proxied (HTTP, SSE and the /live WebSocket) to the systems.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import httpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface DashboardOptions {
  /** The built page (index.html and assets/). */
  root: string;
  /** http:// base URL per proxied prefix. */
  upstreams: { s1: string; s2: string };
}

const dashboard: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  for (const [name, upstream] of Object.entries(options.upstreams)) {
    await app.register(httpProxy, {
      upstream,
      prefix: `/${name}`,
      rewritePrefix: '',
      websocket: true,
      // live streams never end: no timeout on the proxied responses
      http: { requestOptions: { timeout: 0 } },
    });
  }
  if (!existsSync(join(options.root, 'index.html'))) {
    app.get('/', async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send(
          `The dashboard is not built (${options.root}/index.html is missing): run pnpm --filter @ingestlab/dashboard build, or pnpm lab without --no-build.`,
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: options.root,
    index: ['index.html'],
    // hashed assets never change; the page and its runtime config are fetched fresh
    setHeaders: (res, path) => {
      res.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
};

export default fp(dashboard, { name: 'lab-dashboard' });
