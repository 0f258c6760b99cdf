// GET /metrics: the process's registry in Prometheus text format.
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
};

export default metricsRoutes;
