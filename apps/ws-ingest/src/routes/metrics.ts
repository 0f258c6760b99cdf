// `GET /metrics`: Prometheus text format from this app's registry.
import type { FastifyInstance } from 'fastify';

export default async function metricsRoutes(app: FastifyInstance) {
  app.get('/metrics', async (_request, reply) => {
    reply.type(app.metrics.contentType);
    return app.metrics.metrics();
  });
}
