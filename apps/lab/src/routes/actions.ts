// POST /api/lab/actions: one action as JSON. 202 with its id once it is queued; 400 naming the field
// for a malformed or unknown action; 422 with the limit for a fleet beyond the lab's; 429 with
// retry-after for repeated clicks; 409 when the lab cannot take it now (a queue already full).
import { validateLabAction } from '@ingestlab/metric-schema';
import type { FastifyPluginAsync } from 'fastify';
import { ActionLimiter } from '../actions/action-limiter.js';
import { LabRefusal } from '../lab.js';

const actionsRoute: FastifyPluginAsync = async (app) => {
  const limiter = new ActionLimiter();
  app.post('/api/lab/actions', { bodyLimit: 128 * 1024 }, async (request, reply) => {
    const checked = validateLabAction(request.body);
    if (!checked.ok) return reply.code(400).send({ error: checked.error, details: checked.details });
    const action = checked.value;
    const verdict = limiter.take(action);
    if (!verdict.ok) {
      return reply
        .code(429)
        .header('retry-after', String(verdict.retryAfterS))
        .send({ error: verdict.reason });
    }
    try {
      const record = app.lab.submit(action, 'api');
      return reply.code(202).send({ id: record.id, status: record.status, label: record.label });
    } catch (error) {
      if (!(error instanceof LabRefusal)) throw error;
      return reply.code(error.status).send({
        error: error.message,
        ...(error.field ? { details: [{ path: error.field, message: error.message }] } : {}),
        ...(error.limit ? { limit: error.limit } : {}),
      });
    }
  });
};

export default actionsRoute;
