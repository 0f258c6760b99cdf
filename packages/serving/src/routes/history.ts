// GET /api/history?range=5m: the closed windows held for that range, oldest first. No range means
// the default (5m); a range given twice or not one of 1m, 5m, 15m, 1h is a 400 saying what is allowed.
import { parseHistoryRange } from '@ingestlab/aggregation';
import { DEFAULT_HISTORY_RANGE, ErrorAnswerSchema } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import { BadRequestError, UnavailableError } from '../errors.js';
import type { ServedSystem } from '../served-system.js';

const historyRoutes: FastifyPluginAsync<{ system: ServedSystem }> = async (app, { system }) => {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/api/history',
    {
      config: { rateLimit: {} },
      schema: { response: { '4xx': ErrorAnswerSchema, '5xx': ErrorAnswerSchema } },
    },
    async (request) => {
      const raw = request.query.range ?? DEFAULT_HISTORY_RANGE;
      if (Array.isArray(raw)) throw new BadRequestError('range must be given once');
      const parsed = parseHistoryRange(raw);
      if (!parsed.ok) throw new BadRequestError(`${parsed.error}, got ${JSON.stringify(raw)}`);
      try {
        const windows = await system.history(parsed.range);
        return { range: parsed.range, windowMs: system.windowMs, windows };
      } catch (error) {
        request.log.warn({ err: error }, 'history unavailable');
        throw new UnavailableError('history unavailable now; retry later');
      }
    },
  );
};

export default historyRoutes;
