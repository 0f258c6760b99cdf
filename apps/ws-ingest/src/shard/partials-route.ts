// GET /shard/partials?after=<start>&waitMs=<ms>: the closed partial windows after `after` (a long
// poll: answered at once when there are some, else when the next window closes or waitMs passes),
// with this process's /stats. A merger polls it; the same shape from a merger lets mergers stack.
import type { Stats } from '@ingestlab/metric-schema';
import { ErrorAnswerSchema } from '@ingestlab/metric-schema';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { PartialLog } from './partial-log.js';
import type { PartialsAnswer } from './partials-answer.js';

/** The longest a poll may be held open, ms. */
export const MAX_POLL_WAIT_MS = 30_000;

export interface PartialsRouteOptions {
  log: PartialLog;
  bootId: string;
  windowMs: number;
  stats: () => Stats | Promise<Stats>;
}

const QuerySchema = Type.Object(
  {
    /** Only windows with a later start; -1 (default) for every window held. */
    after: Type.Integer({ minimum: -1, default: -1 }),
    /** How long to hold the request when nothing is newer, ms. Default 0: answer at once. */
    waitMs: Type.Integer({ minimum: 0, maximum: MAX_POLL_WAIT_MS, default: 0 }),
  },
  { additionalProperties: false },
);

const partialsRoute: FastifyPluginAsync<PartialsRouteOptions> = async (app, options) => {
  const closing = new AbortController();
  // preClose: held polls are answered before the server waits for in-flight requests to end.
  app.addHook('preClose', async () => {
    closing.abort();
    options.log.wakeAll();
  });
  app.get<{ Querystring: { after: number; waitMs: number } }>(
    '/shard/partials',
    { schema: { querystring: QuerySchema, response: { '4xx': ErrorAnswerSchema } } },
    async (request): Promise<PartialsAnswer> => {
      const { after, waitMs } = request.query;
      const windows = await options.log.next(after, waitMs, closing.signal);
      return { bootId: options.bootId, windowMs: options.windowMs, stats: await options.stats(), windows };
    },
  );
};

export default partialsRoute;
