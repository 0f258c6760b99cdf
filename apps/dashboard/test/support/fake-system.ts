// A small contract-speaking stand-in for a system's live side: hello, snapshot, a window every
// windowMs (WebSocket and SSE), /api/history and /stats. It can also misbehave on purpose, so the
// browser test can show what the page does with frames it must refuse.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SystemName, Window as MetricWindow } from '@ingestlab/metric-schema';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeSystemOptions {
  system: SystemName;
  /** Window length and publication period (ms). Default 1000. */
  windowMs?: number;
  /** `protocol` in hello. Default 1. */
  protocol?: number;
  /** Raw text sent right after hello (e.g. a frame of an unknown type). */
  extraFrame?: string;
  /** Windows kept for snapshot and history. Default 600. */
  keep?: number;
  /** Each window frame is sent this long after the window's end (the delivery delay a page should see). Default 0. */
  publishDelayMs?: number;
}

export interface FakeSystem {
  base: string;
  port: number;
  published: MetricWindow[];
  viewers(): number;
  sseViewers(): number;
  /** The subprotocol each open WebSocket viewer's handshake settled on ('' for none). */
  wsProtocols(): string[];
  close(): Promise<void>;
}

export async function startFakeSystem(options: FakeSystemOptions): Promise<FakeSystem> {
  const { system, windowMs = 1000, protocol = 1, extraFrame, keep = 600, publishDelayMs = 0 } = options;
  const published: MetricWindow[] = [];
  const sockets = new Set<WebSocket>();
  const streams = new Set<ServerResponse>();
  let accepted = 0;

  const greet = (send: (text: string) => void) => {
    send(JSON.stringify({ type: 'hello', system, protocol, windowMs }));
    if (extraFrame !== undefined) send(extraFrame);
    send(JSON.stringify({ type: 'snapshot', windows: published.slice(-60) }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/live/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      streams.add(res);
      res.once('close', () => streams.delete(res));
      greet((text) => res.write(`data: ${text}\n\n`));
      return;
    }
    if (url.pathname === '/api/history') {
      const span = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 }[
        url.searchParams.get('range') ?? ''
      ];
      if (!span) return void res.writeHead(400).end('{"error":"range"}');
      const last = published[published.length - 1];
      const windows = last ? published.filter((w) => w.start >= last.end - span) : [];
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ windows }));
    }
    if (url.pathname === '/stats') {
      const stats = {
        system,
        accepted,
        aggregated: accepted,
        rejected: 0,
        duplicates: 0,
        producers: 1,
        queueDepth: 0,
        uptimeMs: 1000,
      };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/live', perMessageDeflate: false });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    greet((text) => socket.send(text));
  });

  // each window goes out at its end plus publishDelayMs, on the same clock the page reads
  let start = Math.floor(Date.now() / windowMs) * windowMs;
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const publish = () => {
    const window = makeFakeWindow(system, start, windowMs, n++);
    window.pipeline.viewers = sockets.size + streams.size;
    start += windowMs;
    accepted += window.samples;
    published.push(window);
    if (published.length > keep) published.shift();
    const text = JSON.stringify({ type: 'window', window });
    for (const socket of sockets) socket.send(text);
    for (const stream of streams) stream.write(`data: ${text}\n\n`);
    schedule();
  };
  const schedule = () => {
    timer = setTimeout(publish, Math.max(0, start + windowMs + publishDelayMs - Date.now()));
  };
  schedule();

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    published,
    viewers: () => sockets.size + streams.size,
    sseViewers: () => streams.size,
    wsProtocols: () => [...sockets].map((socket) => socket.protocol),
    async close() {
      clearTimeout(timer);
      for (const socket of sockets) socket.terminate();
      for (const stream of streams) stream.destroy();
      await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
    },
  };
}

/** A plausible window: waves in CPU so charts have shape, a hot host now and then. */
function makeFakeWindow(system: SystemName, start: number, windowMs: number, n: number): MetricWindow {
  const wave = (period: number, low: number, high: number) =>
    low + ((Math.sin(n / period) + 1) / 2) * (high - low);
  const stats = (avg: number, spread: number) => ({
    avg,
    p50: avg,
    p95: avg + spread,
    p99: avg + spread * 1.3,
    max: avg + spread * 1.6,
  });
  const cpu = wave(20, 25, 55);
  const samples = 480 + (n % 7) * 5;
  return {
    start,
    end: start + windowMs,
    samples,
    hosts: 500,
    cpu: stats(cpu, 25),
    mem: stats(wave(40, 50, 65), 15),
    disk: stats(wave(200, 40, 45), 20),
    netIn: stats(wave(15, 100_000, 250_000), 150_000),
    netOut: stats(wave(15, 80_000, 180_000), 90_000),
    top: [96, 91, 82, 77, 70].map((v, i) => ({
      host: `web-${String(100 + i * 37).padStart(5, '0')}`,
      cpu: Math.min(100, v - (n % 5)),
    })),
    pipeline: {
      accepted: samples,
      rejected: n % 17 === 0 ? 1 : 0,
      ingestRate: (samples * 1000) / windowMs,
      lagP50: wave(10, 20, 40),
      lagP99: wave(10, 60, 140),
      queueDepth: system === 'http-redis' ? Math.round(wave(8, 0, 12)) : 0,
      droppedFrames: 0,
    },
  };
}
