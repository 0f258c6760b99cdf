// GET /healthz: 200 while the process lives. GET /readyz: 200 when the system can take data, else
// 503 with the reason (Redis away, queue full, window clock stuck, shutting down).
import { HealthSchema, ReadinessSchema } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import type { ServedSystem } from '../served-system.js';

const healthRoutes: FastifyPluginAsync<{ system: Pick<ServedSystem, 'readiness'> }> = async (
  app,
  { system },
) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.get('/healthz', { schema: { response: { 200: HealthSchema } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    { schema: { response: { 200: ReadinessSchema, 503: ReadinessSchema } } },
    async (_request, reply) => {
      const readiness = closing
        ? { status: 'not ready' as const, reason: 'shutting down' }
        : system.readiness();
      return reply.code(readiness.status === 'ready' ? 200 : 503).send(readiness);
    },
  );
};

export default healthRoutes;
