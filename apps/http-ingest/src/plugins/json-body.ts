// Takes only `application/json` bodies, as text (up to the contract's 1 MiB): /ingest parses and validates
// them with the shared validator, which both systems use, and queues the text without re-serialising.
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const jsonBodyPlugin: FastifyPluginAsync = async (app) => {
  // Only JSON: Fastify's default text/plain parser would otherwise take a batch sent as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_PAYLOAD_BYTES },
    (_request, body, done) => done(null, body),
  );
};

export default fp(jsonBodyPlugin, { name: 'json-body', fastify: '5.x' });
