// The live fan-out of one process: every dashboard viewer (WebSocket or SSE) gets hello, a snapshot,
// then each closed window. Frames are encoded once per tick; a slow viewer gets frames skipped
// (counted) instead of an unbounded backlog, and is disconnected if it stays behind for too long.
import type { SystemName, Window } from '@ingestlab/metric-schema';
import { PROTOCOL_VERSION } from '@ingestlab/metric-schema';
import type { WebSocket } from 'ws';
import { type EncodedFrame, encodeFrame } from './encode.js';
import { type SseRequest, type SseResponse, SseViewer } from './sse-viewer.js';
import type { Viewer, ViewerStats } from './viewer.js';
import { WsViewer } from './ws-viewer.js';

export interface LiveHubOptions {
  /** Name in the `hello` frame: 'http-redis' or 'ws-memory'. */
  system: SystemName;
  /** Window length announced in `hello`. */
  windowMs: number;
  /** The recent windows a new viewer receives in its `snapshot` frame, oldest first. */
  snapshot: () => Window[] | Promise<Window[]>;
  /**
   * A frame is written to a viewer only while its backlog (ws.bufferedAmount or res.writableLength)
   * is below this; otherwise the frame is skipped for that viewer and counted. Default 256 KiB.
   * Memory per viewer is thus at most this + one frame (+ the snapshot frame it joined with).
   */
  maxBacklogBytes?: number;
  /** A viewer that was sent nothing for this long gets a `heartbeat` frame. Default 5000 ms. */
  heartbeatMs?: number;
  /** WebSocket viewers are pinged this often; one that did not answer the previous ping is terminated. Default 30000 ms. */
  pingIntervalMs?: number;
  /**
   * A viewer whose every frame was skipped for this long (its backlog stayed over the cap) is
   * disconnected abruptly (WS terminate, SSE destroy), since a close frame would only queue behind
   * the backlog. Default 30000 ms.
   */
  slowViewerTimeoutMs?: number;
  /** New viewers beyond this are refused (WS close 1013, SSE 503). Default 10000. */
  maxViewers?: number;
  /** How long `close()` waits for WebSocket viewers to finish the closing handshake before terminating them. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Windows published while a new viewer's snapshot is loading are held for it, at most this many. Default 64. */
  maxPendingFrames?: number;
  /** Told about failures the hub absorbs (a snapshot that threw); default: ignore. */
  onError?: (error: unknown, context: string) => void;
}

export interface LiveHubStats {
  viewers: number;
  wsViewers: number;
  sseViewers: number;
  /** WebSocket viewers that asked for MessagePack frames (subprotocol `ingestlab.msgpack`). */
  msgpackViewers: number;
  /** Frames skipped for slow viewers since the hub started (all viewers, including gone ones). */
  droppedFrames: number;
  /** Frames written to viewers since the hub started. */
  sentFrames: number;
  /** Windows published. */
  published: number;
  /** Viewers disconnected for staying over the backlog cap for slowViewerTimeoutMs. */
  slowViewersClosed: number;
  /** WebSocket viewers terminated for not answering a ping. */
  deadViewersTerminated: number;
  /** Viewers refused because maxViewers was reached. */
  refusedViewers: number;
}

/** Per-viewer bookkeeping the hub keeps next to the transport. */
class Entry {
  ready = false;
  /** Window frames published while the snapshot was loading, with their window start. */
  pending: { frame: EncodedFrame; windowStart: number | undefined }[] = [];
  lastSentAt = Date.now();
  /** When the first of an unbroken run of skipped frames happened; null while frames go through. */
  overCapSince: number | null = null;
  dropped = 0;
  sent = 0;
  constructor(readonly viewer: Viewer) {}
}

export const LIVE_HUB_DEFAULTS = {
  maxBacklogBytes: 256 * 1024,
  heartbeatMs: 5000,
  pingIntervalMs: 30_000,
  slowViewerTimeoutMs: 30_000,
  maxViewers: 10_000,
  closeTimeoutMs: 2000,
  maxPendingFrames: 64,
} as const;

const TRY_AGAIN_LATER = 1013;

export class LiveHub {
  readonly options: Required<Omit<LiveHubOptions, 'onError'>> & Pick<LiveHubOptions, 'onError'>;
  private readonly entries = new Map<number, Entry>();
  private readonly hello: EncodedFrame;
  private nextId = 1;
  private closing = false;
  private dropped = 0;
  private sent = 0;
  private published = 0;
  private slowClosed = 0;
  private deadTerminated = 0;
  private refused = 0;
  private snapshotCache: { key: string; frame: EncodedFrame } | null = null;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(options: LiveHubOptions) {
    this.options = { ...LIVE_HUB_DEFAULTS, ...options };
    for (const key of [
      'windowMs',
      'maxBacklogBytes',
      'heartbeatMs',
      'pingIntervalMs',
      'slowViewerTimeoutMs',
      'maxViewers',
    ] as const) {
      const value = this.options[key];
      if (!(Number.isFinite(value) && value > 0))
        throw new RangeError(`LiveHub ${key} must be a positive number, got ${value}`);
    }
    this.hello = encodeFrame({
      type: 'hello',
      system: options.system,
      protocol: PROTOCOL_VERSION,
      windowMs: options.windowMs,
    });
    // Checking a quarter as often as the heartbeat keeps a viewer's silence under 1.25 × heartbeatMs.
    this.heartbeatTimer = setInterval(
      () => this.sendHeartbeats(),
      Math.max(10, this.options.heartbeatMs / 4),
    );
    this.heartbeatTimer.unref();
    this.pingTimer = setInterval(() => this.pingWebSockets(), this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Viewers connected now (both transports). */
  get viewers(): number {
    return this.entries.size;
  }

  /** Frames skipped for slow viewers since start. */
  get droppedFrames(): number {
    return this.dropped;
  }

  stats(): LiveHubStats {
    let ws = 0;
    let msgpack = 0;
    for (const entry of this.entries.values()) {
      if (entry.viewer.transport === 'ws') ws += 1;
      if (entry.viewer.encoding === 'msgpack') msgpack += 1;
    }
    return {
      viewers: this.entries.size,
      wsViewers: ws,
      sseViewers: this.entries.size - ws,
      msgpackViewers: msgpack,
      droppedFrames: this.dropped,
      sentFrames: this.sent,
      published: this.published,
      slowViewersClosed: this.slowClosed,
      deadViewersTerminated: this.deadTerminated,
      refusedViewers: this.refused,
    };
  }

  /** Every connected viewer's backlog and counts (for tests, /stats pages and debugging). */
  viewerStats(): ViewerStats[] {
    return [...this.entries.values()].map((entry) => ({
      id: entry.viewer.id,
      transport: entry.viewer.transport,
      encoding: entry.viewer.encoding,
      backlogBytes: entry.viewer.backlogBytes(),
      droppedFrames: entry.dropped,
      sentFrames: entry.sent,
    }));
  }

  /**
   * Takes an open WebSocket (e.g. from an @fastify/websocket route) as a read-only viewer: messages
   * from it are ignored. Resolves once hello and the snapshot have been written.
   */
  async addWebSocket(socket: WebSocket): Promise<void> {
    if (this.closing) {
      socket.close(1001, 'server shutting down');
      return;
    }
    if (this.entries.size >= this.options.maxViewers) {
      this.refused += 1;
      socket.close(TRY_AGAIN_LATER, 'too many viewers');
      return;
    }
    const viewer = new WsViewer(this.nextId++, socket);
    socket.on('message', ignore);
    // Errors end in 'close', which removes the viewer; the listener keeps them from being thrown.
    socket.on('error', ignore);
    socket.once('close', () => this.entries.delete(viewer.id));
    await this.start(viewer);
  }

  /**
   * Takes an HTTP request as an SSE viewer (node http, or the HTTP/2 compatibility API): writes the
   * event-stream headers, then the same frames as `data: <json>\n\n`. Resolves once hello and the
   * snapshot have been written. With Fastify, call `reply.hijack()` first.
   */
  async addSse(request: SseRequest, response: SseResponse): Promise<void> {
    if (this.closing || this.entries.size >= this.options.maxViewers) {
      if (!this.closing) this.refused += 1;
      (response as import('node:http').ServerResponse).writeHead(503, {
        'retry-after': '5',
        'content-type': 'text/plain',
      });
      response.end(this.closing ? 'server shutting down\n' : 'too many viewers\n');
      return;
    }
    let id = 0;
    const viewer = new SseViewer(this.nextId++, request, response, () => this.entries.delete(id));
    id = viewer.id;
    await this.start(viewer);
  }

  /** Sends a closed window to every viewer, encoded once. */
  publish(window: Window): void {
    this.published += 1;
    const frame = encodeFrame({ type: 'window', window });
    const now = Date.now();
    for (const entry of this.entries.values()) this.deliver(entry, frame, now, window.start);
  }

  /** Closes WebSocket viewers with 1001 and ends SSE streams; resolves when they are gone (or after closeTimeoutMs). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pingTimer);
    const entries = [...this.entries.values()];
    for (const entry of entries) entry.viewer.close();
    const deadline = Date.now() + this.options.closeTimeoutMs;
    // A viewer that stopped reading never completes the close: it is destroyed at the deadline.
    while (entries.some((entry) => !entry.viewer.gone) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const entry of entries) if (!entry.viewer.gone) entry.viewer.destroy();
    this.entries.clear();
  }

  private async start(viewer: Viewer): Promise<void> {
    const entry = new Entry(viewer);
    this.entries.set(viewer.id, entry);
    this.write(entry, this.hello, Date.now());
    let windows: Window[] = [];
    try {
      windows = await this.options.snapshot();
    } catch (error) {
      // A viewer without history still gets live windows; the app hears about the failure.
      this.options.onError?.(error, 'snapshot');
    }
    if (viewer.closed || !this.entries.has(viewer.id)) return;
    this.write(entry, this.snapshotFrame(windows), Date.now());
    // Windows published while the snapshot loaded: send those the snapshot does not already hold.
    const newest = windows.length > 0 ? windows[windows.length - 1]!.start : Number.NEGATIVE_INFINITY;
    const pending = entry.pending;
    entry.pending = [];
    entry.ready = true;
    for (const { frame, windowStart } of pending) {
      if (windowStart === undefined || windowStart > newest)
        this.deliver(entry, frame, Date.now(), windowStart);
    }
  }

  private snapshotFrame(windows: Window[]): EncodedFrame {
    const first = windows[0];
    const last = windows[windows.length - 1];
    const key = `${windows.length}:${first?.start}:${last?.start}:${last?.end}`;
    if (this.snapshotCache?.key === key) return this.snapshotCache.frame;
    const frame = encodeFrame({ type: 'snapshot', windows });
    this.snapshotCache = { key, frame };
    return frame;
  }

  private deliver(entry: Entry, frame: EncodedFrame, now: number, windowStart?: number): void {
    if (entry.viewer.closed) return;
    if (!entry.ready) {
      if (entry.pending.length < this.options.maxPendingFrames) {
        entry.pending.push({ frame, windowStart });
      } else this.skip(entry, now);
      return;
    }
    if (entry.viewer.backlogBytes() >= this.options.maxBacklogBytes) {
      this.skip(entry, now);
      return;
    }
    entry.overCapSince = null;
    this.write(entry, frame, now);
  }

  private skip(entry: Entry, now: number): void {
    entry.dropped += 1;
    this.dropped += 1;
    if (entry.overCapSince === null) entry.overCapSince = now;
    else if (now - entry.overCapSince >= this.options.slowViewerTimeoutMs) {
      this.slowClosed += 1;
      this.entries.delete(entry.viewer.id);
      entry.viewer.destroy();
    }
  }

  private write(entry: Entry, frame: EncodedFrame, now: number): void {
    entry.viewer.write(frame);
    entry.sent += 1;
    this.sent += 1;
    entry.lastSentAt = now;
  }

  private sendHeartbeats(): void {
    const now = Date.now();
    let frame: EncodedFrame | null = null;
    for (const entry of this.entries.values()) {
      if (!entry.ready || now - entry.lastSentAt < this.options.heartbeatMs) continue;
      frame ??= encodeFrame({ type: 'heartbeat', ts: now });
      this.deliver(entry, frame, now);
      // A skipped heartbeat still counts as an attempt, so the next one waits a full period.
      entry.lastSentAt = now;
    }
  }

  private pingWebSockets(): void {
    for (const entry of this.entries.values()) {
      const viewer = entry.viewer;
      if (viewer instanceof WsViewer && !viewer.closed && !viewer.heartbeat()) {
        this.deadTerminated += 1;
        this.entries.delete(viewer.id);
      }
    }
  }
}

function ignore(): void {}
