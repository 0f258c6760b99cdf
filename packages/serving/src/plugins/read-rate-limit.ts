// A per-address request limit for the read routes that do work per call (/stats, /api/history), in
// memory, per process; routes opt in with `config.rateLimit`. Off when HTTP_RATE_LIMIT_PER_MIN is 0.
// Counted per client, not per proxy: see client-address.ts.
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { clientAddress } from './client-address.js';

const readRateLimitPlugin: FastifyPluginAsync<{ perMinute: number }> = async (app, { perMinute }) => {
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) =>
      clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for']),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `over ${context.max} requests per minute from this address; retry in ${context.after}`,
    }),
  });
};

export default fp(readRateLimitPlugin, { name: '@ingestlab/serving-read-rate-limit', fastify: '5.x' });
