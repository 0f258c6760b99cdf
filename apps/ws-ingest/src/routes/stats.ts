// `GET /stats`: the contract's accounting, serialized through the shared schema.
import { StatsSchema } from '@ingestlab/metric-schema';
import type { FastifyInstance } from 'fastify';

export default async function statsRoutes(app: FastifyInstance) {
  app.get('/stats', { schema: { response: { 200: StatsSchema } }, config: { rateLimit: {} } }, async () =>
    app.pipeline.accounting.stats(),
  );
}
