// CORS for dashboards served from another origin (CORS_ORIGINS: the dashboard's dev origins by
// default, or `*`); the dashboard proper is same-origin behind a proxy and needs none.
import cors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  origins: string[] | '*';
}

const corsPlugin: FastifyPluginAsync<CorsOptions> = async (app, options) => {
  await app.register(cors, {
    origin: options.origins,
    methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'x-producer'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
};

export default fp(corsPlugin, { name: '@ingestlab/serving-cors', fastify: '5.x' });
