// `GET /live` and `GET /live/sse`: the shared fan-out routes, serving this process's hub.
import { liveRoutes } from '@ingestlab/fanout';
import type { FastifyInstance } from 'fastify';

export default async function live(app: FastifyInstance) {
  await app.register(liveRoutes, { hub: app.pipeline.hub });
}
