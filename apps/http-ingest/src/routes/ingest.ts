// POST /ingest: authorise, shed under load, validate, then group-commit into Redis; the 202 is sent
// only once Redis confirmed. Every answer other than 202 counts one refused batch.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorAnswerSchema, IngestAcceptedSchema, parseBatch } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';

function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time: both sides are hashed to equal length first, so neither length nor content leaks. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(tokenDigest(header.slice(7)), expected);
}

const ingestRoutes: FastifyPluginAsync = async (app) => {
  const { config, committer, depth, rejections } = app.services;
  const expected = config.ingestToken ? tokenDigest(config.ingestToken) : null;
  const retryAfter = String(config.retryAfterS);

  app.post(
    '/ingest',
    {
      config: { rateLimit: config.rateLimitMax > 0 ? {} : false },
      schema: { response: { 202: IngestAcceptedSchema, '4xx': ErrorAnswerSchema, '5xx': ErrorAnswerSchema } },
      // Before the body is read: a refused request costs no parsing.
      onRequest: async (request, reply) => {
        if (expected && !authorized(request.headers.authorization, expected)) {
          return reply
            .code(401)
            .send({ error: 'missing or wrong token: send authorization: Bearer <INGEST_TOKEN>' });
        }
        const down = depth.redisDown();
        if (down) {
          return reply
            .code(503)
            .header('retry-after', retryAfter)
            .send({ error: `batch not taken: ${down}; keep it and retry` });
        }
        if (depth.overDepth()) {
          return reply
            .code(429)
            .header('retry-after', retryAfter)
            .send({
              error: `batch not taken: queue over its depth limit (${config.queueMaxDepth} batches); keep it and retry`,
            });
        }
      },
      onResponse: async (_request, reply) => {
        if (reply.statusCode !== 202) rejections.add();
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'string') {
        return reply.code(415).send({ error: 'content-type must be application/json' });
      }
      const parsed = parseBatch(body);
      if (!parsed.ok) {
        return reply
          .code(400)
          .send(
            parsed.details.length > 0
              ? { error: parsed.error, details: parsed.details }
              : { error: parsed.error },
          );
      }
      const batch = parsed.value;
      let outcome: number;
      try {
        outcome = await committer.add({
          producer: batch.producer,
          seq: batch.seq,
          samples: batch.samples.length,
          json: body,
        });
        depth.noteWriteSuccess();
      } catch (error) {
        depth.noteWriteFailure(error);
        request.log.warn({ err: error }, 'group commit failed');
        return reply
          .code(503)
          .header('retry-after', retryAfter)
          .send({ error: 'batch not taken: redis did not confirm it; keep it and retry' });
      }
      return reply.code(202).send({ accepted: Math.abs(outcome), duplicate: outcome < 0 });
    },
  );
};

export default ingestRoutes;
