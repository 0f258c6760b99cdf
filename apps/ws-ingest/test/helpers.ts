// Test plumbing: System 2 on a real port 0, a minimal WebSocket producer that records every answer
// by seq, and sample generators.
import {
  type AckFrame,
  type Batch,
  type CommitFrame,
  type DecodedMsgpack,
  decodeMsgpack,
  type Encoding,
  encodeMsgpack,
  type NackFrame,
  type Sample,
  type Stats,
  SUBPROTOCOLS,
} from '@ingestlab/metric-schema';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { type BuildOptions, buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export interface RunningApp {
  app: FastifyInstance;
  port: number;
  url(path: string): string;
  stats(): Promise<Stats>;
  close(): Promise<void>;
}

export async function startApp(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<RunningApp> {
  const config = loadConfig({ WS_PORT: '0', LOG_LEVEL: 'silent', ...env });
  const app = await buildApp(config, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed = false;
  return {
    app,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    stats: async () => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as Stats,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** The answer to a batch (commit frames, on end-to-end connections, are kept apart). */
export type Answer = AckFrame | NackFrame;

export interface TestProducer {
  socket: WebSocket;
  answers: Answer[];
  /** Commit frames, in order (end-to-end connections). */
  commits: CommitFrame[];
  acked: Map<number, AckFrame>;
  closed: Promise<{ code: number; reason: string }>;
  send(batch: Batch | string | Buffer): void;
  close(): void;
}

export async function connectProducer(
  port: number,
  options: {
    token?: string;
    query?: string;
    headers?: Record<string, string>;
    /** `msgpack` offers the subprotocol, sends batches as MessagePack and reads MessagePack answers. */
    encoding?: Encoding;
  } = {},
): Promise<TestProducer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const msgpack = options.encoding === 'msgpack';
  const socket = new WebSocket(
    `ws://127.0.0.1:${port}/ingest${options.query ?? ''}`,
    msgpack ? [SUBPROTOCOLS.msgpack] : [],
    { headers, perMessageDeflate: false, maxPayload: 0 },
  );
  const answers: Answer[] = [];
  const commits: CommitFrame[] = [];
  const acked = new Map<number, AckFrame>();
  socket.on('message', (data, isBinary) => {
    if (isBinary !== msgpack) throw new Error(`answer in the wrong encoding (binary: ${isBinary})`);
    const decoded: DecodedMsgpack = msgpack
      ? decodeMsgpack(data as Buffer)
      : { ok: true, value: JSON.parse(String(data)) };
    if (!decoded.ok) throw new Error(decoded.error);
    const frame = decoded.value as Answer | CommitFrame;
    if (frame.type === 'commit') {
      commits.push(frame);
      return;
    }
    answers.push(frame);
    if (frame.type === 'ack') acked.set(frame.seq, frame);
  });
  socket.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code) => reject(new Error(`closed before open: ${code}`)));
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`unexpected response ${res.statusCode}`)),
    );
  });
  return {
    socket,
    answers,
    commits,
    acked,
    closed,
    send: (batch) => {
      if (Buffer.isBuffer(batch)) socket.send(batch, { binary: true });
      else if (typeof batch === 'string') socket.send(batch);
      else if (msgpack) socket.send(encodeMsgpack(batch), { binary: true });
      else socket.send(JSON.stringify(batch));
    },
    close: () => socket.close(),
  };
}

/** Deterministic samples: host i of `hosts`, values spread across the ranges. */
export function makeSamples(count: number, seed: number, hosts = 50, ts = Date.now()): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i += 1) {
    const k = seed * 7919 + i * 104729;
    samples.push({
      host: `web-${String((seed + i) % hosts).padStart(4, '0')}`,
      ts: ts - (k % 500),
      cpu: (k % 10_000) / 100,
      mem: ((k * 3) % 10_000) / 100,
      disk: ((k * 7) % 10_000) / 100,
      netIn: (k * 13) % 1_000_000,
      netOut: (k * 17) % 900_000,
    });
  }
  return samples;
}

export function batch(producer: string, seq: number, samples: Sample[]): Batch {
  return { producer, seq, samples };
}
