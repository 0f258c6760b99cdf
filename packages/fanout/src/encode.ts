// Dashboard frames encoded once for every viewer: one Buffer for WebSocket text frames and one for
// SSE `data:` lines, shared by all sockets, so a tick costs one JSON.stringify however many watch.
import type { DashboardFrame } from '@ingestlab/metric-schema';

export interface EncodedFrame {
  readonly type: DashboardFrame['type'];
  /** The JSON text of the frame (what a WebSocket viewer receives, what SSE puts after `data: `). */
  readonly json: string;
  /** UTF-8 bytes of `json`, sent as a WebSocket text frame (unmasked server frames share the Buffer). */
  readonly ws: Buffer;
  /** `data: <json>\n\n`: one SSE event, readable by EventSource `onmessage`. */
  readonly sse: Buffer;
}

export function encodeFrame(frame: DashboardFrame): EncodedFrame {
  const json = JSON.stringify(frame);
  return {
    type: frame.type,
    json,
    ws: Buffer.from(json, 'utf8'),
    sse: Buffer.from(`data: ${json}\n\n`, 'utf8'),
  };
}
