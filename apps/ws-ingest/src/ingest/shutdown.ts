// Graceful shutdown of the sockets: stop taking batches, let every ack already owed reach the
// kernel, close ingest sockets with 1001, publish the open window (so acked samples are not lost
// to the dashboards), close viewers with 1001, and terminate whatever has not closed in time.
import { CloseCodes } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocketServer } from 'ws';
import type { Pipeline } from './pipeline.js';

async function until(condition: () => boolean, deadline: number): Promise<void> {
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

export async function drainSockets(
  pipeline: Pipeline,
  wss: WebSocketServer,
  graceMs: number,
  log: FastifyBaseLogger,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  pipeline.draining = true;
  const connections = [...pipeline.connections];
  // Frames not yet read stay unacked: the producer still holds them and resends after reconnecting.
  for (const connection of connections) connection.socket.pause();
  await until(
    () => connections.every((c) => c.limiter.inFlight === 0 || c.socket.readyState !== c.socket.OPEN),
    deadline,
  );
  for (const connection of connections) {
    connection.socket.close(CloseCodes.goingAway, 'server shutting down');
    // Read again so the peer's close frame is seen; batches still arriving are ignored, unacked.
    connection.socket.resume();
  }
  const last = pipeline.clock.flush();
  pipeline.clock.stop();
  log.info(
    { samples: last.samples, accepted: pipeline.accounting.accepted },
    'published the open window before shutdown',
  );
  await pipeline.hub.close();
  const clients = [...wss.clients];
  await until(() => clients.every((c) => c.readyState === c.CLOSED), deadline);
  for (const client of clients) if (client.readyState !== client.CLOSED) client.terminate();
  wss.close();
}
