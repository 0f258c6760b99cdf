// CORS for the dashboard's origins only (CORS_ORIGINS); read-only routes need nothing more.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

async function corsPlugin(app: FastifyInstance, options: { config: Config }) {
  await app.register(cors, { origin: options.config.corsOrigins, methods: ['GET', 'HEAD', 'OPTIONS'] });
}

export default fp(corsPlugin, { name: 'ws-ingest-cors' });
