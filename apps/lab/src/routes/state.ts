// GET /api/lab/state: the load per system, the processes, the scoreboard, the actions and markers.
import { LabStateSchema } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';

const stateRoute: FastifyPluginAsync = async (app) => {
  app.get('/api/lab/state', { schema: { response: { 200: LabStateSchema } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return app.lab.state();
  });
};

export default stateRoute;
