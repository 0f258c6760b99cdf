// GET /api/lab/scenarios: the shipped scenarios (name, title, what they teach, the YAML), for the
// panel's picker; GET /api/lab/scenario/summary: the Markdown summary of the last scenario played.
import type { FastifyPluginAsync } from 'fastify';
import { shippedScenarios } from '../scenario/scenario-file.js';

const scenarioRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/lab/scenarios', async () => ({ scenarios: shippedScenarios() }));
  app.get('/api/lab/scenario/summary', async (_request, reply) => {
    const summary = app.lab.player.summary;
    if (summary === null) return reply.code(404).send({ error: 'no scenario has finished yet' });
    return reply.type('text/markdown; charset=utf-8').send(summary);
  });
};

export default scenarioRoutes;
