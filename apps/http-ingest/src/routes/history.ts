// GET /api/history?range=5m: the closed windows of that range, oldest first, from the Redis history.
import { parseHistoryRange } from '@ingestlab/aggregation';
import { HISTORY_RANGES } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';

const historyRoutes: FastifyPluginAsync = async (app) => {
  const { store, config } = app.services;
  app.get('/api/history', async (request, reply) => {
    const parsed = parseHistoryRange((request.query as { range?: unknown }).range ?? '5m');
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const count = Math.ceil(HISTORY_RANGES[parsed.range] / config.windowMs);
    try {
      const windows = await store.history(count);
      return { range: parsed.range, windowMs: config.windowMs, windows };
    } catch (error) {
      request.log.warn({ err: error }, 'history unavailable');
      return reply.code(503).send({ error: 'history unavailable: redis unreachable' });
    }
  });
};

export default historyRoutes;
