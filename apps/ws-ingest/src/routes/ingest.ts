// `GET /ingest` (WebSocket): checks the token, then hands the socket to an IngestConnection.
import { CloseCodes } from '@ingestlab/metric-schema';
import type { FastifyInstance } from 'fastify';
import { IngestConnection } from '../ingest/connection.js';
import { tokenChecker } from '../ingest/token.js';

export default async function ingestRoutes(app: FastifyInstance) {
  const pipeline = app.pipeline;
  const tokenOk = tokenChecker(pipeline.config.ingestToken);
  app.get('/ingest', { websocket: true }, (socket, request) => {
    if (pipeline.draining) {
      socket.close(CloseCodes.goingAway, 'server shutting down');
      return;
    }
    if (!tokenOk(request.headers, request.url)) {
      pipeline.accounting.reject('bad-token');
      request.log.info('ingest connection refused: bad or missing token');
      socket.close(CloseCodes.policyViolation, 'bad or missing token');
      return;
    }
    const connection = new IngestConnection(socket, pipeline, request.log);
    pipeline.connections.add(connection);
    pipeline.accounting.connectionsOpened += 1;
    pipeline.accounting.connectionsOpen += 1;
    socket.once('close', () => {
      pipeline.connections.delete(connection);
      pipeline.accounting.connectionsOpen -= 1;
    });
  });
}
