// POST /ingest: authorise, shed under load, validate, then group-commit into Redis; the 202 is sent
// only once Redis confirmed. Every answer other than 202 counts one refused batch, by reason.
import {
  type Batch,
  ErrorAnswerSchema,
  type ErrorAnswer,
  ErrorCodes,
  IngestAcceptedSchema,
  parseJson,
  validateBatch,
} from '@ingestlab/metric-schema';
import { type RefusalReason, refusal, tokenCheck } from '@ingestlab/serving';
import type { FastifyPluginAsync } from 'fastify';
import { SEQ_TOO_OLD } from '../queue/ingest-queue.js';
import { readMsgpackBody } from '../plugins/msgpack-body.js';

/** The refusal reason of an /ingest answer, for the shared rejected-batches family. */
function reasonFor(status: number): RefusalReason {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'bad-token';
    case 409:
      return 'too-old';
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
  const tooOld = refusal(
    ErrorCodes.tooOld,
    "batch not taken: its seq is below what this producer's repeat memory still covers (a later seq was taken longer ago than the duplicate horizon), so a repeat could no longer be recognised; do not resend it",
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
      onResponse: (request, reply, done) => {
        if (reply.statusCode !== 202) {
          rejections.add();
          const reason = request.notMsgpack
            ? 'not-msgpack'
            : reply.statusCode === 429 && depth.overDepth()
              ? 'overloaded'
              : reasonFor(reply.statusCode);
          counts.rejectedBatches[reason] += 1;
        }
        done();
      },
    },
    async (request, reply) => {
      const body = request.body;
      let batch: Batch;
      /** What is queued: the body itself when it is JSON. */
      let text: string;
      if (Buffer.isBuffer(body)) {
        // application/vnd.msgpack (plugins/msgpack-body.ts): queued as JSON, the workers' one form
        const read = readMsgpackBody(body);
        if (!read.ok) {
          request.notMsgpack = read.notMsgpack;
          return reply.code(400).send(read.answer);
        }
        batch = read.batch;
        text = read.json;
      } else if (typeof body === 'string') {
        const json = parseJson(body);
        if (!json.ok) return reply.code(400).send(refusal(ErrorCodes.notJson, json.error));
        // The boolean check first; the validator that gathers the reasons runs only for a bad batch.
        const value = json.value;
        if (!validateBatch.check(value)) return reply.code(400).send(invalidBatch(value));
        batch = value;
        text = body;
      } else {
        return reply
          .code(415)
          .send(
            refusal(ErrorCodes.notJson, 'content-type must be application/json or application/vnd.msgpack'),
          );
      }
      let outcome: number;
      try {
        outcome = await committer.add({
          producer: batch.producer,
          seq: batch.seq,
          samples: batch.samples.length,
          json: text,
        });
        depth.noteWriteSuccess();
      } catch (error) {
        depth.noteWriteFailure(error);
        request.log.warn({ err: error }, 'group commit failed');
        return reply.code(503).header('retry-after', retryAfter).send(notConfirmed);
      }
      if (outcome === SEQ_TOO_OLD) return reply.code(409).send(tooOld);
      if (outcome > 0) counts.acceptedSamples += outcome;
      else counts.duplicateBatches += 1;
      return reply.code(202).send({ accepted: Math.abs(outcome), duplicate: outcome < 0 });
    },
  );
};

export default ingestRoutes;
