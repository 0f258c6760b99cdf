// The lab's HTTP side as one Fastify plugin (server.ts listens; tests build it with inject): the
// token check on /api/lab, the API routes, and the dashboard with its /s1 and /s2 proxies.
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Lab } from './lab.js';
import dashboard from './plugins/dashboard.js';
import securityHeaders from './plugins/security-headers.js';
import tokenAuth from './plugins/token-auth.js';
import actionsRoute from './routes/actions.js';
import scenarioRoutes from './routes/scenarios.js';
import stateRoute from './routes/state.js';

declare module 'fastify' {
  interface FastifyInstance {
    lab: Lab;
  }
}

export interface LabAppOptions {
  lab: Lab;
  token: string;
  /** The built dashboard; null serves the API only (tests). */
  dashboardRoot: string | null;
}

const labApp: FastifyPluginAsync<LabAppOptions> = async (app, options) => {
  app.decorate('lab', options.lab);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500)
      request.log.error({ err: error, path: request.url.split('?')[0] }, 'lab request failed');
    // a body that is not JSON, too large, or of the wrong type: a clear 4xx, not a stack
    void reply
      .code(status)
      .send({ error: status >= 500 ? 'internal error (see the lab’s log)' : error.message });
  });
  await app.register(securityHeaders, { skipPrefixes: ['/s1', '/s2'] });
  await app.register(tokenAuth, { token: options.token, prefix: '/api/lab' });
  await app.register(stateRoute);
  await app.register(actionsRoute);
  await app.register(scenarioRoutes);
  if (options.dashboardRoot !== null) {
    await app.register(dashboard, {
      root: options.dashboardRoot,
      upstreams: { s1: options.lab.stack.s1Url, s2: options.lab.stack.s2Url },
    });
  }
};

export default fp(labApp, { name: 'ingestlab-lab' });
