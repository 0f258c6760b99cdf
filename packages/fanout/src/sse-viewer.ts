// A Server-Sent Events viewer over a node HTTP/1.1 response or an HTTP/2 compatibility response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { EncodedFrame } from './encode.js';
import type { Viewer } from './viewer.js';

export type SseRequest = IncomingMessage | Http2ServerRequest;
export type SseResponse = ServerResponse | Http2ServerResponse;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // nginx would otherwise buffer the stream and deliver windows in bursts
  'x-accel-buffering': 'no',
} as const;

export class SseViewer implements Viewer {
  readonly transport = 'sse' as const;
  /** SSE is a text stream: always JSON. */
  readonly encoding = 'json' as const;
  /** We ended the stream (no more writes); `released` once the connection is closed. */
  private ended = false;
  private released = false;

  constructor(
    readonly id: number,
    readonly request: SseRequest,
    readonly response: SseResponse,
    onGone: () => void,
  ) {
    const gone = () => {
      this.ended = true;
      this.released = true;
      onGone();
    };
    response.once('close', gone);
    response.on('error', gone);
    (response as ServerResponse).writeHead(200, SSE_HEADERS);
    (response as ServerResponse).flushHeaders?.();
  }

  get closed(): boolean {
    return this.ended || this.response.destroyed || this.response.writableEnded;
  }

  get gone(): boolean {
    return this.released || this.response.destroyed;
  }

  backlogBytes(): number {
    return this.response.writableLength;
  }

  write(frame: EncodedFrame): void {
    if (this.closed) return;
    (this.response as ServerResponse).write(frame.sse);
  }

  close(): void {
    if (this.closed) return;
    this.ended = true;
    this.response.end();
  }

  destroy(): void {
    this.ended = true;
    this.response.destroy();
  }
}
