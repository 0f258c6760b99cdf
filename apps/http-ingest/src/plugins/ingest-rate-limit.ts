// Per-producer rate limit on /ingest, counted in Redis so every replica shares one budget. Producers
// are told apart by the `x-producer` header when they send it (the body is not read yet), else by
// address. Off when RATE_LIMIT_MAX is 0. Registered in the ingest route's own context (the serving
// core's read routes have their own, in-memory limit).
import rateLimit from '@fastify/rate-limit';
import { ErrorCodes } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const PRODUCER_HEADER = /^[A-Za-z0-9._:-]{1,64}$/;

const ingestRateLimitPlugin: FastifyPluginAsync = async (app) => {
  const { config, redis, keys } = app.services;
  if (config.rateLimitMax === 0) return;
  await app.register(rateLimit, {
    global: false,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    redis,
    nameSpace: keys.rateLimit,
    // Redis away: let the request through; /ingest then answers 503 on its own.
    skipOnError: true,
    keyGenerator: (request) => {
      const producer = request.headers['x-producer'];
      return typeof producer === 'string' && PRODUCER_HEADER.test(producer)
        ? `p:${producer}`
        : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: ErrorCodes.rateLimited,
      message: `rate limit of ${context.max} requests per ${context.after} reached for this producer; retry later`,
    }),
  });
};

export default fp(ingestRateLimitPlugin, {
  name: 'ingest-rate-limit',
  dependencies: ['services'],
  fastify: '5.x',
});
