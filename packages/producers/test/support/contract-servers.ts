// Small ingest servers for the tests, one per transport, answering as the contract says: validate,
// dedup by (producer, seq), count samples once. They count the connections they accept and note
// which connection each producer's batches came on. A `fault` hook lets a test answer 503, 400,
// hold an answer back, or kill the connection mid-flight for chosen batches.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Batch,
  type Encoding,
  MSGPACK_CONTENT_TYPES,
  ackMsgpack,
  chooseSubprotocol,
  decodeMsgpack,
  encodeMsgpack,
  encodingOfSubprotocol,
  parseBatch,
  parseBatchMsgpack,
  seqOf,
} from '@ingestlab/metric-schema';
import { WebSocketServer } from 'ws';

/**
 * What to do with one arrival of a batch; `attempt` counts arrivals of this (producer, seq), from 1.
 * `{ delayMs }` takes the batch and answers only after that long.
 */
export type Fault = 'ok' | 'drop' | { status: number; retryAfter?: string } | { delayMs: number };

export interface ServerState {
  /** Samples counted once per (producer, seq). */
  accepted: number;
  /** Batches counted (distinct pairs). */
  batches: number;
  duplicates: number;
  rejected: number;
  /** Every arrival, including repeats and dropped ones. */
  arrivals: number;
  seen: Map<string, number>;
  /** Arrivals per (producer, seq), for asserting retries. */
  attempts: Map<string, number>;
  /** Connections accepted (TCP, or TLS sessions, or WebSocket upgrades). */
  connections: number;
  /** Connection numbers each producer's batches arrived on. */
  producerConnections: Map<string, Set<number>>;
  /** When each connection was accepted (Date.now()), in order. */
  connectedAt: number[];
  /** Bodies or frames received in each encoding. */
  encodings: Record<Encoding, number>;
}

export interface ServerOptions {
  token?: string;
  fault?: (batch: Batch, attempt: number) => Fault;
}

export interface TestServer {
  url: string;
  state: ServerState;
  close(): Promise<void>;
}

function newState(): ServerState {
  return {
    accepted: 0,
    batches: 0,
    duplicates: 0,
    rejected: 0,
    arrivals: 0,
    seen: new Map(),
    attempts: new Map(),
    connections: 0,
    producerConnections: new Map(),
    connectedAt: [],
    encodings: { json: 0, msgpack: 0 },
  };
}

/** Numbers a new connection and remembers when it came. */
function countConnection(state: ServerState): number {
  state.connections++;
  state.connectedAt.push(Date.now());
  return state.connections;
}

function noteConnection(state: ServerState, producer: string, connection: number | undefined): void {
  if (connection === undefined) return;
  const seen = state.producerConnections.get(producer) ?? new Set<number>();
  seen.add(connection);
  state.producerConnections.set(producer, seen);
}

type Outcome =
  | { kind: 'ack'; accepted: number; duplicate: boolean; delayMs?: number }
  | { kind: 'error'; status: number; error: string; retryAfter?: string }
  | { kind: 'drop' };

/** The contract's decision for one body, shared by every transport. */
function decide(
  state: ServerState,
  options: ServerOptions,
  body: Buffer,
  encoding: Encoding,
  auth: string | undefined,
  connection?: number,
): Outcome {
  if (options.token && auth !== `Bearer ${options.token}`) {
    state.rejected++;
    return { kind: 'error', status: 401, error: 'bad token' };
  }
  const parsed = encoding === 'msgpack' ? parseBatchMsgpack(body) : parseBatch(body.toString('utf8'));
  if (!parsed.ok) {
    state.rejected++;
    return { kind: 'error', status: 400, error: parsed.error };
  }
  const batch = parsed.value;
  noteConnection(state, batch.producer, connection);
  const key = `${batch.producer}\u0000${batch.seq}`;
  state.arrivals++;
  const attempt = (state.attempts.get(key) ?? 0) + 1;
  state.attempts.set(key, attempt);
  const fault = options.fault?.(batch, attempt) ?? 'ok';
  if (fault === 'drop') return { kind: 'drop' };
  const delayMs = typeof fault === 'object' && 'delayMs' in fault ? fault.delayMs : undefined;
  if (fault !== 'ok' && !('delayMs' in fault)) {
    if (fault.status < 500 && fault.status !== 429) state.rejected++;
    return {
      kind: 'error',
      status: fault.status,
      error: `fault ${fault.status}`,
      ...(fault.retryAfter ? { retryAfter: fault.retryAfter } : {}),
    };
  }
  const held = delayMs === undefined ? {} : { delayMs };
  if (state.seen.has(key)) {
    state.duplicates++;
    return { kind: 'ack', accepted: batch.samples.length, duplicate: true, ...held };
  }
  state.seen.set(key, batch.samples.length);
  state.accepted += batch.samples.length;
  state.batches++;
  return { kind: 'ack', accepted: batch.samples.length, duplicate: false, ...held };
}

function listen(server: http.Server | http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closeServer(
  server: http.Server | http2.Http2Server | http2.Http2SecureServer,
  sockets: Set<Socket>,
) {
  return new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
}

/** Each accepted socket's number (see countConnection). */
const socketNumbers = new WeakMap<object, number>();

function trackSockets(
  server: http.Server | http2.Http2Server | http2.Http2SecureServer,
  state?: ServerState,
  event: 'connection' | 'secureConnection' = 'connection',
): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on(event, (socket: Socket) => {
    sockets.add(socket);
    if (state) socketNumbers.set(socket, countConnection(state));
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

function countSessions(server: http2.Http2Server | http2.Http2SecureServer, state: ServerState): void {
  server.on('session', (session: http2.ServerHttp2Session) => {
    socketNumbers.set(session, countConnection(state));
  });
}

/** One request handler for HTTP/1.1 and the HTTP/2 compatibility API. */
function handler(state: ServerState, options: ServerOptions) {
  return (
    req: IncomingMessage | http2.Http2ServerRequest,
    res: ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/ingest')) {
        res.writeHead(404).end();
        return;
      }
      const auth = req.headers.authorization;
      // HTTP/2: the session is the connection; HTTP/1.1: the socket
      const carrier = 'stream' in req ? req.stream.session : req.socket;
      const connection = carrier ? socketNumbers.get(carrier) : undefined;
      const type = String(req.headers['content-type'] ?? '');
      const encoding = (MSGPACK_CONTENT_TYPES as readonly string[]).includes(type) ? 'msgpack' : 'json';
      state.encodings[encoding]++;
      const outcome = decide(state, options, Buffer.concat(chunks), encoding, auth, connection);
      if (outcome.kind === 'drop') {
        // kill the connection with the batch taken but unanswered: the producer must resend
        // (h2: on the next turn; destroying the session inside its own callback crashed Node 20's
        // http2 natively)
        if ('stream' in req) {
          const session = req.stream.session;
          setImmediate(() => session?.destroy());
        } else req.socket.destroy();
        return;
      }
      const body =
        outcome.kind === 'ack'
          ? JSON.stringify({ accepted: outcome.accepted, duplicate: outcome.duplicate })
          : JSON.stringify({ error: outcome.error });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (outcome.kind === 'error' && outcome.retryAfter) headers['retry-after'] = outcome.retryAfter;
      const answer = () => res.writeHead(outcome.kind === 'ack' ? 202 : outcome.status, headers).end(body);
      if (outcome.kind === 'ack' && outcome.delayMs) setTimeout(answer, outcome.delayMs);
      else answer();
    });
  };
}

export async function startHttp1Server(options: ServerOptions = {}): Promise<TestServer> {
  const state = newState();
  const server = http.createServer(handler(state, options));
  server.keepAliveTimeout = 60_000;
  const sockets = trackSockets(server, state);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, state, close: () => closeServer(server, sockets) };
}

export async function startH2cServer(options: ServerOptions = {}): Promise<TestServer> {
  const state = newState();
  const server = http2.createServer({}, handler(state, options));
  const sockets = trackSockets(server);
  countSessions(server, state);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, state, close: () => closeServer(server, sockets) };
}

export interface TlsMaterial {
  key: string;
  cert: string;
  cleanup(): void;
}

/** A fresh self-signed certificate for 127.0.0.1, made with openssl in a temp dir. */
export function makeSelfSignedCert(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'producers-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startH2TlsServer(tls: TlsMaterial, options: ServerOptions = {}): Promise<TestServer> {
  const state = newState();
  const server = http2.createSecureServer(
    { key: tls.key, cert: tls.cert, allowHTTP1: true },
    handler(state, options),
  );
  const sockets = trackSockets(server, undefined, 'secureConnection');
  countSessions(server, state);
  const port = await listen(server);
  return { url: `https://127.0.0.1:${port}`, state, close: () => closeServer(server, sockets) };
}

/** The seq of a frame, valid batch or not, for its answer (null when it cannot be read). */
function seqOfFrame(body: Buffer, encoding: Encoding): number | null {
  if (encoding === 'msgpack') {
    const decoded = decodeMsgpack(body);
    return decoded.ok ? seqOf(decoded.value) : null;
  }
  try {
    return seqOf(JSON.parse(body.toString()));
  } catch {
    return null;
  }
}

export async function startWsServer(options: ServerOptions = {}): Promise<TestServer> {
  const state = newState();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const sockets = trackSockets(server);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: chooseSubprotocol,
  });
  const frameOptions: ServerOptions = options.fault ? { fault: options.fault } : {};
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/ingest')) return socket.destroy();
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = countConnection(state);
      const encoding = encodingOfSubprotocol(ws.protocol);
      ws.on('message', (data, isBinary) => {
        if (isBinary !== (encoding === 'msgpack')) return ws.close(1003, 'frame of the wrong type');
        state.encodings[encoding]++;
        const body = data as Buffer;
        // the token was checked at the upgrade, so frames are judged without it
        const outcome = decide(state, frameOptions, body, encoding, undefined, connection);
        const seq = seqOfFrame(body, encoding);
        if (outcome.kind === 'drop') return ws.terminate();
        if (outcome.kind === 'ack') {
          const ack =
            encoding === 'msgpack'
              ? ackMsgpack(seq ?? 0, outcome.accepted, outcome.duplicate)
              : JSON.stringify({
                  type: 'ack',
                  seq,
                  accepted: outcome.accepted,
                  duplicate: outcome.duplicate,
                });
          if (outcome.delayMs) setTimeout(() => ws.send(ack), outcome.delayMs);
          else ws.send(ack);
        } else {
          const busy = outcome.status === 429 || outcome.status === 503;
          const retryAfterMs = busy ? Math.round(Number(outcome.retryAfter ?? '0') * 1000) : undefined;
          const nack = { type: 'nack', seq, error: outcome.error, ...(busy ? { retryAfterMs } : {}) };
          ws.send(encoding === 'msgpack' ? encodeMsgpack(nack) : JSON.stringify(nack));
        }
      });
    });
  });
  const port = await listen(server);
  return {
    url: `ws://127.0.0.1:${port}`,
    state,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeServer(server, sockets);
    },
  };
}
