// GET /stats: the contract's accounting, read from Redis so every replica answers the same.
// queueDepth = batches admitted and not yet folded (waiting, delayed, active or awaiting a retry).
import { ErrorAnswerSchema, StatsSchema } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';

const statsRoutes: FastifyPluginAsync = async (app) => {
  const { services } = app;
  app.get(
    '/stats',
    { schema: { response: { 200: StatsSchema, 503: ErrorAnswerSchema } } },
    async (request, reply) => {
      try {
        return await services.stats();
      } catch (error) {
        request.log.warn({ err: error }, 'stats unavailable');
        return reply.code(503).header('retry-after', String(services.config.retryAfterS)).send({
          error: 'stats unavailable: redis unreachable',
        });
      }
    },
  );
};

export default statsRoutes;
