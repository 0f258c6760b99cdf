// Dashboard viewers in a process of their own (so their work does not slow the load generator):
// WebSocket and SSE connections to each system's /live, recording for every window frame when each
// viewer received it. The parent asks over IPC for the windows that ended in a time span.
// Started by viewers.ts with `process.send`; the spec arrives in the VIEWERS env variable as JSON.
import { request } from 'node:http';
import { Histogram } from '@ingestlab/aggregation';
import WebSocket from 'ws';
import type { ViewerSpec, ViewerWindow, ViewersStatus, FromViewers, ToViewers } from './viewer-protocol.js';

interface Pending {
  system: string;
  start: number;
  end: number;
  samples: number;
  lagP50: number | null;
  lagP99: number | null;
  ingestRate: number;
  delays: Histogram;
  viewersWs: number;
  viewersSse: number;
}

const specs = JSON.parse(process.env.VIEWERS ?? '[]') as ViewerSpec[];
const windows = new Map<string, Pending>();
const status: ViewersStatus = {
  connected: {},
  target: {},
  disconnects: 0,
  errors: {},
  frames: 0,
  badFrames: 0,
};
const sockets: WebSocket[] = [];
const streams: { destroy(): void }[] = [];
let closing = false;

const countError = (kind: string) => {
  status.errors[kind] = (status.errors[kind] ?? 0) + 1;
};

function onFrame(system: string, transport: 'ws' | 'sse', text: string, arrival: number): void {
  status.frames++;
  let frame: { type?: string; window?: Record<string, unknown> };
  try {
    frame = JSON.parse(text);
  } catch {
    status.badFrames++;
    return;
  }
  if (frame.type !== 'window' || !frame.window) return;
  const w = frame.window as {
    start: number;
    end: number;
    samples: number;
    pipeline: { lagP50: number | null; lagP99: number | null; ingestRate: number };
  };
  const key = `${system}:${w.start}`;
  let entry = windows.get(key);
  if (!entry) {
    entry = {
      system,
      start: w.start,
      end: w.end,
      samples: w.samples,
      lagP50: w.pipeline?.lagP50 ?? null,
      lagP99: w.pipeline?.lagP99 ?? null,
      ingestRate: w.pipeline?.ingestRate ?? 0,
      delays: new Histogram(),
      viewersWs: 0,
      viewersSse: 0,
    };
    windows.set(key, entry);
  }
  entry.delays.record(arrival - w.end);
  if (transport === 'ws') entry.viewersWs++;
  else entry.viewersSse++;
}

function openWs(spec: ViewerSpec): void {
  const socket = new WebSocket(`${spec.url.replace(/^http/, 'ws')}/live`, { perMessageDeflate: false });
  sockets.push(socket);
  let open = false;
  socket.on('open', () => {
    open = true;
    status.connected[spec.system] = (status.connected[spec.system] ?? 0) + 1;
  });
  socket.on('message', (data) => onFrame(spec.system, 'ws', data.toString(), Date.now()));
  socket.on('error', (error) => countError(`ws-${(error as NodeJS.ErrnoException).code ?? 'error'}`));
  socket.on('close', () => {
    if (open) status.connected[spec.system] = (status.connected[spec.system] ?? 1) - 1;
    if (!closing) status.disconnects++;
  });
}

function openSse(spec: ViewerSpec): void {
  const req = request(`${spec.url}/live/sse`, { agent: false, headers: { accept: 'text/event-stream' } });
  streams.push(req);
  req.on('response', (response) => {
    if (response.statusCode !== 200) {
      countError(`sse-status-${response.statusCode}`);
      response.resume();
      return;
    }
    status.connected[spec.system] = (status.connected[spec.system] ?? 0) + 1;
    response.setEncoding('utf8');
    let buffer = '';
    response.on('data', (chunk: string) => {
      const arrival = Date.now();
      buffer += chunk;
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
          .join('\n');
        if (data) onFrame(spec.system, 'sse', data, arrival);
      }
    });
    response.on('close', () => {
      status.connected[spec.system] = (status.connected[spec.system] ?? 1) - 1;
      if (!closing) status.disconnects++;
    });
  });
  req.on('error', (error) => countError(`sse-${(error as NodeJS.ErrnoException).code ?? 'error'}`));
  req.end();
}

async function connectAll(): Promise<void> {
  for (const spec of specs) {
    status.target[spec.system] = spec.ws + spec.sse;
    // a few at a time, so connecting 500 viewers does not look like a flood to the server
    for (let i = 0; i < spec.ws + spec.sse; i++) {
      if (i < spec.ws) openWs(spec);
      else openSse(spec);
      if (i % 25 === 24) await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function collect(from: number, to: number): ViewerWindow[] {
  const out: ViewerWindow[] = [];
  for (const entry of windows.values()) {
    if (entry.end < from || entry.end > to) continue;
    const { delays } = entry;
    const [p50, p99] = delays.count ? delays.quantiles([0.5, 0.99]).map(round) : [null, null];
    out.push({
      system: entry.system,
      start: entry.start,
      end: entry.end,
      samples: entry.samples,
      lagP50: entry.lagP50,
      lagP99: entry.lagP99,
      ingestRate: entry.ingestRate,
      receivedBy: delays.count,
      viewersWs: entry.viewersWs,
      viewersSse: entry.viewersSse,
      delayP50: p50 ?? null,
      delayP99: p99 ?? null,
      delayMax: delays.count ? delays.max : null,
      delays: delays.toSnapshot(),
    });
  }
  return out.sort((a, b) => a.end - b.end);
}

const send = (message: FromViewers) => process.send?.(message);
process.on('message', (message: ToViewers) => {
  if (message.type === 'windows')
    send({ type: 'windows', id: message.id, windows: collect(message.from, message.to) });
  else if (message.type === 'status') send({ type: 'status', id: message.id, status });
});
// forget windows older than five minutes: a long run must not grow without bound
setInterval(() => {
  const horizon = Date.now() - 300_000;
  for (const [key, entry] of windows) if (entry.end < horizon) windows.delete(key);
}, 30_000).unref();

const shutdown = () => {
  closing = true;
  for (const socket of sockets) socket.terminate();
  for (const stream of streams) stream.destroy();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', () => {}); // the parent decides when viewers stop (it still measures after Ctrl-C)
process.once('disconnect', shutdown);

void connectAll().then(() => send({ type: 'started' }));
