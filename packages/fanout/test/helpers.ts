// Test helpers: a real Fastify server on port 0 serving a LiveHub, and WebSocket / SSE viewers that
// record every frame they receive.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { decodeMsgpack, SUBPROTOCOLS, type Window } from '@ingestlab/metric-schema';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { LiveHub, type LiveHubOptions, liveRoutes } from '../src/index.js';

export interface LiveServer {
  app: FastifyInstance;
  hub: LiveHub;
  port: number;
  close(): Promise<void>;
}

export async function startLiveServer(options: Partial<LiveHubOptions> = {}): Promise<LiveServer> {
  const hub = new LiveHub({ system: 'ws-memory', windowMs: 1000, snapshot: () => [], ...options });
  const app = Fastify({ logger: false });
  await app.register(liveRoutes, { hub });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, hub, port, close: () => app.close() };
}

export interface RecordingViewer {
  frames: string[];
  /** Parsed frames, in arrival order. */
  parsed(): Array<{ type: string } & Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function wsViewer(
  port: number,
  path = '/live',
): Promise<RecordingViewer & { socket: WebSocket }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(String(data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    parsed: () => frames.map((f) => JSON.parse(f)),
    closed,
    close: () => socket.close(),
  };
}

export async function sseViewer(
  port: number,
  path = '/live/sse',
): Promise<RecordingViewer & { response: IncomingMessage }> {
  const frames: string[] = [];
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream' } },
      resolve,
    );
    req.once('error', reject);
    req.end();
  });
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) frames.push(data);
      end = buffer.indexOf('\n\n');
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    response.once('close', () => resolve({ code: 0, reason: 'stream ended' }));
  });
  return {
    response,
    frames,
    parsed: () => frames.map((f) => JSON.parse(f)),
    closed,
    close: () => response.destroy(),
  };
}

/** A WebSocket viewer that asked for MessagePack: records each binary frame and its decoded value. */
export async function msgpackViewer(
  port: number,
  path = '/live',
): Promise<{ socket: WebSocket; binary: Buffer[]; textFrames: number; parsed(): unknown[] }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, [SUBPROTOCOLS.msgpack], {
    perMessageDeflate: false,
  });
  const binary: Buffer[] = [];
  const viewer = { socket, binary, textFrames: 0, parsed: () => binary.map((b) => decoded(b)) };
  socket.on('message', (data, isBinary) => {
    if (isBinary) binary.push(data as Buffer);
    else viewer.textFrames += 1;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return viewer;
}

function decoded(bytes: Buffer): unknown {
  const result = decodeMsgpack(bytes);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** A contract-shaped window; `padding` adds bytes (an extra field) to make big frames for backlog tests. */
export function makeWindow(start: number, padding = 0): Window {
  const window: Window = {
    start,
    end: start + 1000,
    samples: 1,
    hosts: 1,
    cpu: { avg: 1, p50: 1, p95: 1, p99: 1, max: 1 },
    mem: null,
    disk: null,
    netIn: null,
    netOut: null,
    top: [{ host: 'web-1', cpu: 1 }],
    pipeline: { accepted: 1, rejected: 0, ingestRate: 1, lagP50: 1, lagP99: 1, queueDepth: 0 },
  };
  if (padding > 0) Object.assign(window, { padding: 'x'.repeat(padding) });
  return window;
}
