// POST /ingest: authorise, shed under load, validate, then group-commit into Redis; the 202 is sent
// only once Redis confirmed. Every answer other than 202 counts one refused batch, by reason.
import {
  ErrorAnswerSchema,
  type ErrorAnswer,
  ErrorCodes,
  IngestAcceptedSchema,
  parseJson,
  validateBatch,
} from '@ingestlab/metric-schema';
import { type RefusalReason, refusal, tokenCheck } from '@ingestlab/serving';
import type { FastifyPluginAsync } from 'fastify';

/** The refusal reason of an /ingest answer, for the shared rejected-batches family. */
function reasonFor(status: number): RefusalReason {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'bad-token';
    case 413:
      return 'too-large';
    case 415:
      return 'not-json';
    case 429:
      return 'rate-limited';
    case 503:
      return 'unavailable';
    default:
      return 'protocol';
  }
}

/** The refusal of a value that failed the batch schema, with the validator's reasons. */
function invalidBatch(value: unknown): ErrorAnswer {
  const verdict = validateBatch(value);
  return verdict.ok
    ? refusal(ErrorCodes.invalidBatch, 'invalid batch')
    : refusal(ErrorCodes.invalidBatch, verdict.error, verdict.details);
}

const ingestRoutes: FastifyPluginAsync = async (app) => {
  const { config, committer, depth, rejections, counts } = app.services;
  const authorized = tokenCheck(config.ingestToken);
  const retryAfter = String(config.retryAfterS);
  const unauthorized = refusal(
    ErrorCodes.unauthorized,
    'missing or wrong token: send authorization: Bearer <INGEST_TOKEN>',
  );
  const overDepth = refusal(
    ErrorCodes.overloaded,
    `batch not taken: queue over its depth limit (${config.queueMaxDepth} batches); keep it and retry`,
  );
  const notConfirmed = refusal(
    ErrorCodes.unavailable,
    'batch not taken: redis did not confirm it; keep it and retry',
  );

  app.post(
    '/ingest',
    {
      config: { rateLimit: config.rateLimitMax > 0 ? {} : false },
      schema: { response: { 202: IngestAcceptedSchema, '4xx': ErrorAnswerSchema, '5xx': ErrorAnswerSchema } },
      // Before the body is read: a refused request costs no parsing. Callback-style hooks: no promise
      // per request; a hook that answers does not call done().
      onRequest: (request, reply, done) => {
        if (!authorized(request.headers, request.url)) {
          reply.code(401).send(unauthorized);
          return;
        }
        const down = depth.redisDown();
        if (down) {
          reply
            .code(503)
            .header('retry-after', retryAfter)
            .send(refusal(ErrorCodes.unavailable, `batch not taken: ${down}; keep it and retry`));
          return;
        }
        if (depth.overDepth()) {
          reply.code(429).header('retry-after', retryAfter).send(overDepth);
          return;
        }
        done();
      },
      onResponse: (_request, reply, done) => {
        if (reply.statusCode !== 202) {
          rejections.add();
          const reason =
            reply.statusCode === 429 && depth.overDepth() ? 'overloaded' : reasonFor(reply.statusCode);
          counts.rejectedBatches[reason] += 1;
        }
        done();
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'string') {
        return reply.code(415).send(refusal(ErrorCodes.notJson, 'content-type must be application/json'));
      }
      const json = parseJson(body);
      if (!json.ok) return reply.code(400).send(refusal(ErrorCodes.notJson, json.error));
      // The boolean check first; the validator that gathers the reasons runs only for a bad batch.
      const batch = json.value;
      if (!validateBatch.check(batch)) return reply.code(400).send(invalidBatch(batch));
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
        return reply.code(503).header('retry-after', retryAfter).send(notConfirmed);
      }
      if (outcome > 0) counts.acceptedSamples += outcome;
      else counts.duplicateBatches += 1;
      return reply.code(202).send({ accepted: Math.abs(outcome), duplicate: outcome < 0 });
    },
  );
};

export default ingestRoutes;
