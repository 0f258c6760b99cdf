// `GET /api/history?range=5m`: the closed windows held for that range; a bad range is a 400 with why.
import { parseHistoryRange } from '@ingestlab/aggregation';
import type { FastifyInstance } from 'fastify';

export default async function historyRoutes(app: FastifyInstance) {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/api/history',
    { config: { rateLimit: {} } },
    async (request, reply) => {
      const raw = request.query.range;
      if (raw === undefined)
        return reply.code(400).send({ error: 'range is required: one of 1m, 5m, 15m, 1h' });
      if (Array.isArray(raw)) return reply.code(400).send({ error: 'range must be given once' });
      const parsed = parseHistoryRange(raw);
      if (!parsed.ok) return reply.code(400).send({ error: `${parsed.error}, got ${JSON.stringify(raw)}` });
      const windows = app.pipeline.ring.range(parsed.range);
      return { range: parsed.range, windowMs: app.pipeline.config.windowMs, windows };
    },
  );
}
