// GET /ingest (WebSocket): checks `?commit=` before the upgrade (400 when it is not 0 or 1, or asks
// for end-to-end acknowledgements on a server without DATA_DIR), then the token after it, then hands
// the socket to the ingest connections.
import type {} from '@fastify/websocket';
import { CloseCodes, END_TO_END_PARAM, ErrorCodes, SUBPROTOCOLS } from '@ingestlab/metric-schema';
import { tokenCheck } from '@ingestlab/serving';
import type { FastifyPluginAsync } from 'fastify';
import type { IngestConnections } from '../connection/ingest-connections.js';
import type { IngestCore } from '../core/ingest-core.js';

export interface IngestRouteOptions {
  core: IngestCore;
  connections: IngestConnections;
}

/** Whether the upgrade asks for end-to-end acknowledgements, or why its `commit` parameter is wrong. */
export function endToEndRequested(
  query: unknown,
): { ok: true; endToEnd: boolean } | { ok: false; error: string } {
  const value = (query as Record<string, unknown> | undefined)?.[END_TO_END_PARAM];
  if (value === undefined || value === '0') return { ok: true, endToEnd: false };
  if (value === '1') return { ok: true, endToEnd: true };
  return {
    ok: false,
    error: `${END_TO_END_PARAM} must be 1 (end-to-end acknowledgements) or 0, got ${JSON.stringify(value)}`,
  };
}

/** Whether the handshake offers the MessagePack subprotocol (the server would pick it). */
function offersMsgpack(header: string | undefined): boolean {
  return (header ?? '').split(',').some((name) => name.trim() === SUBPROTOCOLS.msgpack);
}

const ingestRoutes: FastifyPluginAsync<IngestRouteOptions> = async (app, { core, connections }) => {
  // Browsers cannot set headers on a WebSocket, so the token may also come as ?token= (redacted in logs).
  const authorized = tokenCheck(core.config.ingestToken, { query: true });
  app.get(
    '/ingest',
    {
      websocket: true,
      // Refused before the upgrade, so the producer gets an HTTP status and a reason it can act on.
      preValidation: async (request, reply) => {
        const mode = endToEndRequested(request.query);
        let error = mode.ok ? null : mode.error;
        if (mode.ok && mode.endToEnd && !core.endToEnd) {
          error = `end-to-end acknowledgements (${END_TO_END_PARAM}=1) are off: this server has no DATA_DIR`;
        }
        if (mode.ok && mode.endToEnd && offersMsgpack(request.headers['sec-websocket-protocol'])) {
          // commit and replay frames have no MessagePack form yet: say so rather than mix encodings
          error = `end-to-end acknowledgements (${END_TO_END_PARAM}=1) are JSON only: connect without the ${SUBPROTOCOLS.msgpack} subprotocol`;
        }
        if (error === null) return;
        core.refuse('protocol');
        request.log.info({ error }, 'ingest connection refused before the upgrade');
        await reply.code(400).send({ error, code: ErrorCodes.badRequest });
      },
    },
    (socket, request) => {
      if (!authorized(request.headers, request.url)) {
        core.refuse('bad-token');
        request.log.info('ingest connection refused: bad or missing token');
        socket.close(CloseCodes.policyViolation, 'bad or missing token');
        return;
      }
      const mode = endToEndRequested(request.query);
      connections.accept(socket, request.log, mode.ok && mode.endToEnd);
    },
  );
};

export default ingestRoutes;
