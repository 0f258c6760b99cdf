// The open ingest connections of one process: taking new ones (or turning them away while
// shutting down), pinging them, summing their counts for /metrics, sending commit frames to the
// end-to-end ones after each durable publication, and draining them at shutdown: stop reading, let
// every ack already owed reach the kernel, then (once the open window is published) close with 1001.
import { CloseCodes } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { IngestCore } from '../core/ingest-core.js';
import { commitText } from './answers.js';
import { type ConnectionCounts, IngestConnection } from './ingest-connection.js';

async function until(condition: () => boolean, deadline: number): Promise<void> {
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

export class IngestConnections {
  readonly open = new Set<IngestConnection>();
  /** Frames read, acks and nacks sent, over every connection. */
  readonly counts: ConnectionCounts = { framesIn: 0, acks: 0, nacks: 0, commits: 0 };
  opened = 0;
  /** End-to-end connections open now. */
  endToEndOpen = 0;
  private draining = false;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(
    private readonly core: IngestCore,
    private readonly log: FastifyBaseLogger,
  ) {
    this.pingTimer = setInterval(() => this.ping(), core.config.pingIntervalMs);
    this.pingTimer.unref();
    if (core.endToEnd) core.endToEnd.onCommit = (epoch, upTo) => this.commit(epoch, upTo);
  }

  /**
   * Takes an authorised socket as an ingest connection (or closes it with 1001 while draining).
   * `endToEnd`: the producer asked for end-to-end acknowledgements (the route checked they are on).
   */
  accept(socket: WebSocket, log: FastifyBaseLogger, endToEnd = false): void {
    if (this.draining) {
      socket.close(CloseCodes.goingAway, 'server shutting down');
      return;
    }
    const connection = new IngestConnection(socket, this.core, this.counts, log, endToEnd);
    this.open.add(connection);
    this.opened += 1;
    if (endToEnd) this.endToEndOpen += 1;
    socket.once('close', () => {
      this.open.delete(connection);
      if (endToEnd) this.endToEndOpen -= 1;
    });
  }

  /** After a durable publication: one commit frame, encoded once, to each end-to-end connection that needs it. */
  private commit(epoch: number, upTo: number): void {
    if (this.endToEndOpen === 0) return;
    const text = commitText(epoch, upTo);
    let sent = 0;
    for (const connection of this.open) if (connection.endToEnd && connection.commit(upTo, text)) sent += 1;
    if (this.core.endToEnd) this.core.endToEnd.commitsSent += sent;
  }

  /** Pings every connection; terminates those that did not answer the previous ping. */
  private ping(): void {
    let terminated = 0;
    for (const connection of this.open) if (!connection.heartbeat()) terminated += 1;
    if (terminated > 0) this.log.info({ terminated }, 'terminated ingest sockets that did not answer a ping');
  }

  /**
   * Stops taking batches and waits (until `deadline`) for the acks already owed to reach the
   * kernel. Frames not yet read stay unacked: the producer still holds them and resends after
   * reconnecting. The connections stay open (end-to-end ones get the last commit) until close().
   */
  async quiesce(deadline: number): Promise<void> {
    this.draining = true;
    clearInterval(this.pingTimer);
    const connections = [...this.open];
    for (const connection of connections) {
      connection.draining = true;
      connection.socket.pause();
    }
    await until(
      () => connections.every((c) => c.limiter.inFlight === 0 || c.socket.readyState !== c.socket.OPEN),
      deadline,
    );
  }

  /** Closes every connection with 1001 (after quiesce()). */
  close(): void {
    for (const connection of this.open) {
      connection.socket.close(CloseCodes.goingAway, 'server shutting down');
      // Read again so the peer's close frame is seen; batches still arriving are ignored, unacked.
      connection.socket.resume();
    }
  }
}
