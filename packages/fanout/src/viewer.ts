// One dashboard connection as the hub sees it: a transport-neutral sender with a measurable backlog.
import type { Encoding } from '@ingestlab/metric-schema';
import type { EncodedFrame } from './encode.js';

export type Transport = 'ws' | 'sse';

export interface ViewerStats {
  id: number;
  transport: Transport;
  /** What its frames are encoded as (SSE is always JSON). */
  encoding: Encoding;
  /** Bytes written but not yet taken by the kernel (ws.bufferedAmount / res.writableLength). */
  backlogBytes: number;
  /** Frames skipped for this viewer because its backlog was over the cap. */
  droppedFrames: number;
  /** Frames written to this viewer. */
  sentFrames: number;
}

export interface Viewer {
  readonly id: number;
  readonly transport: Transport;
  /** What its frames are encoded as (SSE is always JSON). */
  readonly encoding: Encoding;
  /** Bytes queued towards this viewer and not yet handed to the kernel. */
  backlogBytes(): number;
  /** Writes a frame now (the hub has checked the backlog). */
  write(frame: EncodedFrame): void;
  /** Orderly goodbye: WebSocket close 1001, SSE end of stream. */
  close(): void;
  /** Abrupt end, for dead or hopelessly slow viewers: frees the backlog at once. */
  destroy(): void;
  /** True once no more frames may be written (closing or gone). */
  readonly closed: boolean;
  /** True once the connection is fully released (its backlog freed). */
  readonly gone: boolean;
}
