// GET /ingest (WebSocket): checks the token, then hands the socket to the ingest connections.
import type {} from '@fastify/websocket';
import { CloseCodes } from '@ingestlab/metric-schema';
import { tokenCheck } from '@ingestlab/serving';
import type { FastifyPluginAsync } from 'fastify';
import type { IngestConnections } from '../connection/ingest-connections.js';
import type { IngestCore } from '../core/ingest-core.js';

export interface IngestRouteOptions {
  core: IngestCore;
  connections: IngestConnections;
}

const ingestRoutes: FastifyPluginAsync<IngestRouteOptions> = async (app, { core, connections }) => {
  // Browsers cannot set headers on a WebSocket, so the token may also come as ?token= (redacted in logs).
  const authorized = tokenCheck(core.config.ingestToken, { query: true });
  app.get('/ingest', { websocket: true }, (socket, request) => {
    if (!authorized(request.headers, request.url)) {
      core.refuse('bad-token');
      request.log.info('ingest connection refused: bad or missing token');
      socket.close(CloseCodes.policyViolation, 'bad or missing token');
      return;
    }
    connections.accept(socket, request.log);
  });
};

export default ingestRoutes;
