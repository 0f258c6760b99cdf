// A WebSocket dashboard viewer: read-only, liveness by ping/pong, backlog = ws.bufferedAmount. It speaks
// the encoding its handshake settled on: JSON text frames, or MessagePack binary frames.
import { type Encoding, encodingOfSubprotocol } from '@ingestlab/metric-schema';
import type { WebSocket } from 'ws';
import type { EncodedFrame } from './encode.js';
import type { Viewer } from './viewer.js';

/** Close code and reason sent to viewers when the server goes away. */
export const GOING_AWAY = 1001;
const SEND_OPTIONS = { binary: false, compress: false } as const;
const SEND_BINARY = { binary: true, compress: false } as const;

export class WsViewer implements Viewer {
  readonly transport = 'ws' as const;
  /** Set by a pong; cleared when a ping goes out. A ping finding it false means the peer is dead. */
  alive = true;
  /** From the subprotocol the handshake chose (`ingestlab.msgpack`, else JSON). */
  readonly encoding: Encoding;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
  ) {
    this.encoding = encodingOfSubprotocol(socket.protocol);
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  get closed(): boolean {
    return this.socket.readyState !== this.socket.OPEN;
  }

  get gone(): boolean {
    return this.socket.readyState === this.socket.CLOSED;
  }

  backlogBytes(): number {
    return this.socket.bufferedAmount;
  }

  write(frame: EncodedFrame): void {
    if (this.closed) return;
    if (this.encoding === 'msgpack') this.socket.send(frame.msgpack, SEND_BINARY);
    else this.socket.send(frame.ws, SEND_OPTIONS);
  }

  /** Pings, or terminates a viewer that never answered the previous ping. Returns false if terminated. */
  heartbeat(): boolean {
    if (this.closed) return false;
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.socket.close(GOING_AWAY, 'server shutting down');
  }

  destroy(): void {
    this.socket.terminate();
  }
}
