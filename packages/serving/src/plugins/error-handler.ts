// One error handler and one not-found handler for every route of an app: each refusal gets the
// contract's `{error, code, details?}` body and its status; 429 and 503 carry retry-after; the details
// of a server fault (5xx) stay in the log.
import { ErrorCodes } from '@ingestlab/metric-schema';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { codeForStatus, FASTIFY_REFUSALS, refusal } from '../errors.js';

export interface ErrorHandlerOptions {
  /** Seconds in the retry-after of a 429 or 503 that does not set its own. */
  retryAfterS: number;
}

const OUR_CODES = new Set<string>(Object.values(ErrorCodes));

const errorHandlerPlugin: FastifyPluginAsync<ErrorHandlerOptions> = async (app, options) => {
  const retryAfter = String(options.retryAfterS);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if ((status === 429 || status === 503) && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', retryAfter);
    }
    if (error.validation) {
      const details = error.validation.map((v) => ({
        path: v.instancePath || '/',
        message: v.message ?? 'invalid',
      }));
      return reply
        .code(400)
        .send(refusal(ErrorCodes.badRequest, `invalid request: ${error.message}`, details));
    }
    if (status >= 500 && status !== 503) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send(refusal(ErrorCodes.internal, 'internal error'));
    }
    const known = error.code ? FASTIFY_REFUSALS[error.code] : undefined;
    if (known) return reply.code(status).send(refusal(known.code, known.error));
    const code =
      error.code && OUR_CODES.has(error.code)
        ? (error.code as (typeof ErrorCodes)[keyof typeof ErrorCodes])
        : codeForStatus(status);
    return reply.code(status).send(refusal(code, error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(refusal(ErrorCodes.notFound, `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
};

export default fp(errorHandlerPlugin, { name: '@ingestlab/serving-error-handler', fastify: '5.x' });
