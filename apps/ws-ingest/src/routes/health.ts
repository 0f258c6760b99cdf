// `/healthz`: the process lives. `/readyz`: it takes data (not shutting down, window clock running).
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const pipeline = app.pipeline;
    if (pipeline.draining) return reply.code(503).send({ ok: false, reason: 'shutting down' });
    // A window that should have closed long ago means the clock (or the event loop) is stuck.
    const overdue = Date.now() - pipeline.clock.openUntil;
    if (overdue > pipeline.config.windowMs * 5) {
      return reply.code(503).send({ ok: false, reason: `window clock is ${overdue} ms overdue` });
    }
    return { ok: true };
  });
}
