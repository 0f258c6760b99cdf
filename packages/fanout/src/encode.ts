// Dashboard frames encoded once for every viewer: one Buffer for WebSocket text frames and one for
// SSE `data:` lines, shared by all sockets, so a tick costs one JSON.stringify however many watch.
// MessagePack viewers (subprotocol `ingestlab.msgpack`) share one more Buffer, encoded on the first
// write to such a viewer, so a tick costs at most one MessagePack encode too, and none without them.
import { type DashboardFrame, encodeMsgpack } from '@ingestlab/metric-schema';

export class EncodedFrame {
  readonly type: DashboardFrame['type'];
  /** The JSON text of the frame (what a WebSocket viewer receives, what SSE puts after `data: `). */
  readonly json: string;
  /** UTF-8 bytes of `json`, sent as a WebSocket text frame (unmasked server frames share the Buffer). */
  readonly ws: Buffer;
  /** `data: <json>\n\n`: one SSE event, readable by EventSource `onmessage`. */
  readonly sse: Buffer;
  #msgpack: Buffer | undefined;

  constructor(private readonly frame: DashboardFrame) {
    this.type = frame.type;
    this.json = JSON.stringify(frame);
    this.ws = Buffer.from(this.json, 'utf8');
    this.sse = Buffer.from(`data: ${this.json}\n\n`, 'utf8');
  }

  /** The frame as standard MessagePack, sent as a WebSocket binary frame; encoded once, when first asked. */
  get msgpack(): Buffer {
    if (this.#msgpack === undefined) {
      const bytes = encodeMsgpack(this.frame);
      this.#msgpack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.#msgpack;
  }
}

export function encodeFrame(frame: DashboardFrame): EncodedFrame {
  return new EncodedFrame(frame);
}
