// End-to-end acknowledgements on the producer side, against a small WebSocket server that speaks the
// contract's end-to-end frames and lets the test decide when windows are committed and when the
// server "crashes" (drops every socket and comes back as a new life): batches are kept until
// committed, sent again after a reconnect behind a replay frame naming their life and window, the
// bound holds sends back, and what is never committed is counted.
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { waitUntil } from '@ingestlab/devkit';
import { type Batch, parseBatch, validateReplayFrame } from '@ingestlab/metric-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { parseCli } from '../src/cli-args.js';
import { createTransport, runLoad } from '../src/index.js';
import type { EncodedBatch, Transport } from '../src/transports/types.js';
import { parseBytes } from '../src/units.js';

interface Arrival {
  batch: Batch;
  /** The replay frame that came just before it, if any. */
  replay: { epoch: number; windowEnd: number } | null;
}

/** A stand-in for System 2 in end-to-end mode: window ends are a counter the test moves. */
class E2eServer {
  readonly wss: WebSocketServer;
  epoch = 100;
  /** Window end acks name now. */
  windowEnd = 1_000;
  /** Pairs counted, with the window they went into. */
  readonly counted = new Map<string, number>();
  readonly arrivals: Arrival[] = [];
  readonly queries: string[] = [];
  private readonly sockets = new Set<WebSocket>();
  /** Published up to (per epoch) */
  private upTo: number | null = null;

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (socket, request) => {
      this.queries.push(request.url ?? '');
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.send(JSON.stringify({ type: 'commit', epoch: this.epoch, upTo: this.upTo }));
      let replay: Arrival['replay'] = null;
      socket.on('message', (data) => {
        const value = JSON.parse(String(data));
        if (value.type === 'replay') {
          const frame = validateReplayFrame(value);
          if (frame.ok) replay = { epoch: frame.value.epoch, windowEnd: frame.value.windowEnd };
          return;
        }
        const parsed = parseBatch(String(data));
        if (!parsed.ok) throw new Error(parsed.error);
        const batch = parsed.value;
        this.arrivals.push({ batch, replay });
        replay = null;
        const key = `${batch.producer}/${batch.seq}`;
        const duplicate = this.counted.has(key);
        if (!duplicate) this.counted.set(key, this.windowEnd);
        socket.send(
          `{"type":"ack","seq":${batch.seq},"accepted":${batch.samples.length},"duplicate":${duplicate},"windowEnd":${this.windowEnd}}`,
        );
      });
    });
  }

  static async start(): Promise<E2eServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new E2eServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  /** Closes the open window (acks name the next) and commits it to every connection. */
  publish(): void {
    this.upTo = this.windowEnd;
    this.windowEnd += 1_000;
    for (const socket of this.sockets)
      socket.send(JSON.stringify({ type: 'commit', epoch: this.epoch, upTo: this.upTo }));
  }

  /** Drops every socket and comes back as a new life that forgot what it counted in its open window. */
  crash(): void {
    for (const socket of this.sockets) socket.terminate();
    for (const [key, windowEnd] of this.counted)
      if (this.upTo === null || windowEnd > this.upTo) this.counted.delete(key);
    this.epoch += 1;
    this.windowEnd += 1_000;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

let server: E2eServer | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = undefined;
  server = undefined;
});

/** A batch of one sample with a release hook that counts. */
function encoded(seq: number, released: number[]): EncodedBatch {
  const batch: Batch = {
    producer: 'e2e-p',
    seq,
    samples: [{ host: 'h', ts: Date.now(), cpu: 1, mem: 2, disk: 3, netIn: 4, netOut: 5 }],
  };
  return {
    producer: batch.producer,
    seq,
    samples: 1,
    body: Buffer.from(JSON.stringify(batch)),
    dueAt: performance.now(),
    release: () => released.push(seq),
  };
}

describe('end-to-end acknowledgements (producer side)', () => {
  it('keeps each acknowledged batch until a commit covers it, and only then releases its bytes', async () => {
    server = await E2eServer.start();
    transport = createTransport('ws', { url: server.url, endToEnd: true });
    const released: number[] = [];
    const results = await Promise.all([0, 1, 2].map((seq) => transport!.sendEncoded(encoded(seq, released))));
    expect(results.every((r) => r.status === 'acknowledged')).toBe(true);
    expect(server.queries[0]).toBe('/ingest?commit=1');
    expect(released).toEqual([]);
    expect(transport.counters().endToEnd.retained.batches).toBe(3);
    server.publish();
    await waitUntil(
      () => released.length === 3,
      5000,
      () => `released after the commit (${released})`,
    );
    const counts = transport.counters().endToEnd;
    expect(counts.committed).toEqual({ batches: 3, samples: 3 });
    expect(counts.peakBytes).toBeGreaterThan(0);
  });

  it('after a crash, sends kept batches again first, each behind a replay frame naming its life and window', async () => {
    server = await E2eServer.start();
    transport = createTransport('ws', {
      url: server.url,
      endToEnd: true,
      reconnectBaseMs: 20,
      retry: { baseDelayMs: 20 },
    });
    const released: number[] = [];
    await transport.sendEncoded(encoded(0, released));
    const firstEpoch = server.epoch;
    const firstWindow = server.windowEnd;
    server.publish(); // seq 0 committed
    await waitUntil(
      () => released.includes(0),
      5000,
      () => 'seq 0 committed',
    );
    await transport.sendEncoded(encoded(1, released)); // acked into the open window, which dies
    server.crash();
    // the next send reconnects; the kept batch goes first, as a replay of (first life, its window)
    const next = await transport.sendEncoded(encoded(2, released));
    expect(next.status).toBe('acknowledged');
    const replayed = server.arrivals.filter((a) => a.replay !== null);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({
      batch: { seq: 1 },
      replay: { epoch: firstEpoch, windowEnd: firstWindow + 1_000 },
    });
    expect(server.arrivals.findIndex((a) => a.batch.seq === 2)).toBeGreaterThan(
      server.arrivals.indexOf(replayed[0]!),
    );
    // the replay's ack (folded again by the new life) stamps it with the new life: its commit releases it
    await waitUntil(
      () => transport!.counters().endToEnd.refolded.batches === 1,
      5000,
      () => 'replay answered',
    );
    server.publish();
    await waitUntil(
      () => released.includes(1) && released.includes(2),
      5000,
      () => `committed in the new life (${released})`,
    );
    const counts = transport.counters().endToEnd;
    expect(counts.replayed).toEqual({ batches: 1, samples: 1 });
    expect(counts.committed.batches).toBe(3);
    // acked counts each batch once, however often it was sent again
    expect(transport.counters().batches.acknowledged).toBe(3);
  });

  it('holds new sends back at the retention bound until a commit frees room', async () => {
    server = await E2eServer.start();
    const body = encoded(0, []).body.length;
    transport = createTransport('ws', { url: server.url, endToEnd: true, retainMaxBytes: body * 2 });
    const released: number[] = [];
    await transport.sendEncoded(encoded(0, released));
    await transport.sendEncoded(encoded(1, released));
    let third = false;
    const pending = transport.sendEncoded(encoded(2, released)).then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(third).toBe(false);
    expect(server.arrivals).toHaveLength(2);
    expect(transport.counters().endToEnd.waits).toBe(1);
    server.publish();
    expect((await pending).status).toBe('acknowledged');
    expect(server.arrivals).toHaveLength(3);
  });

  it('counts and releases what was never committed when the transport closes', async () => {
    server = await E2eServer.start();
    transport = createTransport('ws', { url: server.url, endToEnd: true });
    const released: number[] = [];
    await transport.sendEncoded(encoded(0, released));
    await transport.sendEncoded(encoded(1, released));
    await transport.close();
    expect(released.sort()).toEqual([0, 1]);
    expect(transport.counters().endToEnd.uncommitted).toEqual({ batches: 2, samples: 2 });
    transport = undefined;
  });

  it('runLoad waits for commits before closing, and its summary counts them', async () => {
    server = await E2eServer.start();
    const timer = setInterval(() => server?.publish(), 100);
    try {
      const summary = await runLoad({
        target: 'ws',
        url: server.url,
        hosts: 20,
        intervalMs: 50,
        durationMs: 500,
        workers: 1,
        endToEnd: true,
      });
      expect(summary.samples.acknowledged).toBe(summary.samples.sent);
      expect(summary.endToEnd?.retained.samples).toBe(summary.samples.acknowledged);
      expect(summary.endToEnd?.committed.samples).toBe(summary.samples.acknowledged);
      expect(summary.endToEnd?.uncommitted.batches).toBe(0);
    } finally {
      clearInterval(timer);
    }
  });

  it('refuses end-to-end on a target other than ws, and parses the CLI flags', () => {
    expect(() => createTransport('http1', { endToEnd: true })).toThrow(/System 2's: target ws, not http1/);
    expect(parseCli(['--target', 'ws', '--end-to-end', '--retain-max', '64MB']).load).toMatchObject({
      endToEnd: true,
      retainMaxBytes: 64 * 1024 * 1024,
    });
    expect(() => parseCli(['--end-to-end'])).toThrow(/--end-to-end needs --target ws/);
    expect(() => parseCli(['--target', 'ws', '--retain-max', '1MB'])).toThrow(/only with --end-to-end/);
    expect(() => parseCli(['--target', 'ws', '--end-to-end', '--retain-max', 'lots'])).toThrow(
      /--retain-max: "lots" is not a size/,
    );
    expect(parseBytes('512kb')).toBe(512 * 1024);
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
  });
});
