// Per-IP request limit for the HTTP read routes that do work per call (/api/history, /stats),
// opt-in per route with `config.rateLimit`. Ingest frames have their own per-producer limiter.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

async function rateLimitPlugin(app: FastifyInstance, options: { config: Config }) {
  if (options.config.httpRateLimitPerMin <= 0) return;
  await app.register(rateLimit, {
    global: false,
    max: options.config.httpRateLimitPerMin,
    timeWindow: 60_000,
  });
}

export default fp(rateLimitPlugin, { name: 'ws-ingest-rate-limit' });
