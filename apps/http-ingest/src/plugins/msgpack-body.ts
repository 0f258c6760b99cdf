// Takes MessagePack batch bodies (`application/vnd.msgpack`, or `application/msgpack`) as bytes, up to
// the contract's 1 MiB, beside the JSON ones; /ingest reads them with `readMsgpackBody`, the shared
// reader System 2 uses too, so both encodings get the same checks and the same answers.
import {
  type Batch,
  type ErrorAnswer,
  ErrorCodes,
  MAX_PAYLOAD_BYTES,
  MSGPACK_CONTENT_TYPES,
  parseBatchMsgpack,
} from '@ingestlab/metric-schema';
import { refusal } from '@ingestlab/serving';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** True when the request's MessagePack body could not be read: counted as `not-msgpack`. */
    notMsgpack: boolean;
  }
}

export type MsgpackBody =
  | { ok: true; batch: Batch; json: string }
  | { ok: false; notMsgpack: boolean; answer: ErrorAnswer };

/**
 * A MessagePack body checked as a batch. The batch goes to Redis as JSON (`json`), the one form the
 * workers fold: re-encoding a valid batch costs about what JSON.parse would have (ARCHITECTURE.md,
 * "JSON or MessagePack"), and the stored form stays one for both content types.
 */
export function readMsgpackBody(body: Buffer): MsgpackBody {
  const parsed = parseBatchMsgpack(body);
  if (parsed.ok) return { ok: true, batch: parsed.value, json: JSON.stringify(parsed.value) };
  if ('notMsgpack' in parsed) {
    return { ok: false, notMsgpack: true, answer: refusal(ErrorCodes.notMsgpack, parsed.error) };
  }
  return {
    ok: false,
    notMsgpack: false,
    answer: refusal(ErrorCodes.invalidBatch, parsed.error, parsed.details),
  };
}

const msgpackBodyPlugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('notMsgpack', false);
  app.addContentTypeParser(
    [...MSGPACK_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: MAX_PAYLOAD_BYTES },
    (_request, body, done) => done(null, body),
  );
};

// after json-body, which first removes Fastify's default parsers
export default fp(msgpackBodyPlugin, { name: 'msgpack-body', fastify: '5.x', dependencies: ['json-body'] });
