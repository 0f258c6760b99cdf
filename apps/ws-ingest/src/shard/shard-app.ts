// A System 2 shard: the ordinary System 2 app (ingest, /live, /stats... of its own producers) plus
// GET /shard/partials, from which the merger takes each closed window in its mergeable partial form.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { PartialLog } from './partial-log.js';
import partialsRoute from './partials-route.js';
import type { ShardConfig } from './config.js';

/** Builds a ready (not listening) shard app. */
export async function buildShardApp(
  config: ShardConfig,
  options: { logger?: FastifyBaseLogger; defaultMetrics?: boolean } = {},
): Promise<FastifyInstance> {
  const log = new PartialLog(config.partialsKept);
  return buildApp(config, {
    ...options,
    extend: async (app, core) => {
      let rejected = 0;
      core.clock.onClose((aggregate, window) => {
        // The window's own refusal count was taken by the clock's context; keep it beside the partial.
        rejected = window.pipeline.rejected;
        log.push({ partial: aggregate.toPartial(), rejected, missing: [] });
      });
      await app.register(partialsRoute, {
        log,
        bootId: randomUUID(),
        windowMs: core.windowMs,
        stats: () => core.stats(),
      });
    },
  });
}
