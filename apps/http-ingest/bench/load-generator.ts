// A closed-loop load generator for the benchmark: `concurrency` requests always in flight over
// HTTP/1.1 (undici, one request per connection at a time) or h2c (node:http2 streams over a few
// sessions). Every batch has a fresh (producer, seq), so nothing is a duplicate. Latency = send to 202.
import { type ClientHttp2Session, connect } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  acked: number;
  ackedSamples: number;
  refused: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
}

export interface LoadSpec {
  url: string;
  protocol: 'http1' | 'h2c';
  batchSize: number;
  concurrency: number;
  durationMs: number;
  /** Producer names start with this (fresh per run, so seqs never repeat across runs). */
  producerPrefix: string;
}

function makeBody(producer: string, seq: number, size: number, now: number): string {
  let samples = '';
  for (let i = 0; i < size; i += 1) {
    if (i > 0) samples += ',';
    const v = (seq * 31 + i * 17) % 100;
    samples += `{"host":"h-${(seq + i) % 500}","ts":${now},"cpu":${v},"mem":${(v + 20) % 100},"disk":${(v + 40) % 100},"netIn":${1000 + v},"netOut":${2000 + v}}`;
  }
  return `{"producer":"${producer}","seq":${seq},"samples":[${samples}]}`;
}

type Send = (body: string) => Promise<number>;

/**
 * HTTP/1.1 over raw keep-alive sockets, one request at a time per socket: far cheaper per request
 * than a general client, so the generator is less of a bottleneck on a 2-core machine. It reads
 * only the status line and content-length (both servers measured answer with content-length).
 */
function http1Sender(url: string, connections: number): { send: Send; close: () => Promise<void> } {
  const { hostname, port } = new URL(url);
  interface Conn {
    socket: Socket;
    buffer: string;
    waiting: ((status: number) => void) | null;
    fail: ((error: Error) => void) | null;
  }
  const idle: Conn[] = [];
  const queue: ((conn: Conn) => void)[] = [];
  const all: Conn[] = [];
  const open = (): Conn => {
    const conn: Conn = {
      socket: tcpConnect({ host: hostname, port: Number(port) }),
      buffer: '',
      waiting: null,
      fail: null,
    };
    conn.socket.setNoDelay(true);
    conn.socket.setEncoding('latin1');
    conn.socket.on('data', (chunk: string) => {
      conn.buffer += chunk;
      const headerEnd = conn.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = conn.buffer.slice(0, headerEnd);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (conn.buffer.length < headerEnd + 4 + length) return;
      conn.buffer = conn.buffer.slice(headerEnd + 4 + length);
      const status = Number(head.slice(9, 12));
      const done = conn.waiting;
      conn.waiting = null;
      conn.fail = null;
      release(conn);
      done?.(status);
    });
    conn.socket.on('error', (error) => conn.fail?.(error));
    all.push(conn);
    return conn;
  };
  const release = (conn: Conn) => {
    const next = queue.shift();
    if (next) next(conn);
    else idle.push(conn);
  };
  for (let i = 0; i < connections; i += 1) idle.push(open());
  return {
    send(body) {
      return new Promise<number>((resolve, reject) => {
        const go = (conn: Conn) => {
          conn.waiting = resolve;
          conn.fail = reject;
          conn.socket.write(
            `POST /ingest HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        };
        const conn = idle.pop();
        if (conn) go(conn);
        else queue.push(go);
      });
    },
    async close() {
      for (const conn of all) conn.socket.destroy();
    },
  };
}

function h2cSender(url: string, sessions: number): { send: Send; close: () => Promise<void> } {
  const pool: ClientHttp2Session[] = Array.from({ length: sessions }, () => {
    const s = connect(url);
    s.on('error', () => {});
    return s;
  });
  let next = 0;
  return {
    send(body) {
      const session = pool[next++ % pool.length]!;
      return new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': '/ingest',
          'content-type': 'application/json',
        });
        let status = 0;
        stream.on('response', (h) => {
          status = Number(h[':status']);
        });
        stream.on('data', () => {});
        stream.on('end', () => resolve(status));
        stream.on('error', reject);
        stream.end(body);
      });
    },
    async close() {
      await Promise.all(pool.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export async function runClosedLoop(spec: LoadSpec): Promise<LoadResult> {
  const sender =
    spec.protocol === 'http1'
      ? http1Sender(spec.url, spec.concurrency)
      : h2cSender(spec.url, Math.min(8, spec.concurrency));
  const result: LoadResult = {
    requests: 0,
    acked: 0,
    ackedSamples: 0,
    refused: 0,
    errors: 0,
    elapsedMs: 0,
    latenciesMs: [],
  };
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const loop = async (lane: number) => {
    const producer = `${spec.producerPrefix}-${lane}`;
    for (let seq = 0; performance.now() < deadline; seq += 1) {
      const body = makeBody(producer, seq, spec.batchSize, Date.now());
      const t0 = performance.now();
      result.requests += 1;
      try {
        const status = await sender.send(body);
        if (status === 202) {
          result.acked += 1;
          result.ackedSamples += spec.batchSize;
          result.latenciesMs.push(performance.now() - t0);
        } else {
          result.refused += 1;
          // A refused batch would be retried by a producer; the benchmark only counts it.
        }
      } catch {
        result.errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, lane) => loop(lane)));
  result.elapsedMs = performance.now() - started;
  await sender.close();
  return result;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
