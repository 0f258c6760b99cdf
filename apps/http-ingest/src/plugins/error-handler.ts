// One error handler: every refusal gets the contract's `{error, details?}` body and its status, with
// a reason a client can act on; 5xx details stay in the log.
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** Plain-language reasons for Fastify's own refusals (its codes are stable, its messages less so). */
const REASONS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `body is over the limit of ${MAX_PAYLOAD_BYTES} bytes (1 MiB)`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body is empty; expected a JSON batch',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body is not valid JSON',
};

const errorHandlerPlugin: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (error.validation) {
      return reply.code(400).send({
        error: `invalid request: ${error.message}`,
        details: error.validation.map((v) => ({
          path: v.instancePath || '/',
          message: v.message ?? 'invalid',
        })),
      });
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: (error.code && REASONS[error.code]) || error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
};

export default fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' });
