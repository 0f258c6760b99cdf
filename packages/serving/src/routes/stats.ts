// GET /stats: the contract's accounting; 503 with retry-after when the system cannot count now.
import { ErrorAnswerSchema, StatsSchema } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import { UnavailableError } from '../errors.js';
import type { ServedSystem } from '../served-system.js';

const statsRoutes: FastifyPluginAsync<{ system: ServedSystem }> = async (app, { system }) => {
  app.get(
    '/stats',
    {
      config: { rateLimit: {} },
      schema: { response: { 200: StatsSchema, '4xx': ErrorAnswerSchema, '5xx': ErrorAnswerSchema } },
    },
    async (request) => {
      try {
        return await system.stats();
      } catch (error) {
        request.log.warn({ err: error }, 'stats unavailable');
        throw new UnavailableError('stats unavailable now; retry later');
      }
    },
  );
};

export default statsRoutes;
