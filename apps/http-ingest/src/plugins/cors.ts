// CORS for the dashboard, which may be served from another origin (Vite dev server, nginx).
import cors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const corsPlugin: FastifyPluginAsync = async (app) => {
  const origins = app.services.config.corsOrigins;
  await app.register(cors, {
    origin: origins === '*' ? '*' : origins,
    methods: ['GET', 'POST', 'HEAD', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'x-producer'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
};

export default fp(corsPlugin, { name: 'cors', dependencies: ['services'], fastify: '5.x' });
