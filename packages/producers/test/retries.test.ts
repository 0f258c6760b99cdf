// Faults against real servers: 503 with retry-after and connections killed mid-flight end with every
// sample acknowledged and counted exactly once at the server; a 400 is refused and not retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '@ingestlab/metric-schema';
import {
  type Target,
  type TransportOptions,
  createBatchStream,
  createFleet,
  createTransport,
} from '../src/index.js';
import {
  type ServerOptions,
  type TestServer,
  type TlsMaterial,
  makeSelfSignedCert,
  startH2TlsServer,
  startH2cServer,
  startHttp1Server,
  startWsServer,
} from './support/contract-servers.js';

let tls: TlsMaterial;
beforeAll(() => {
  tls = makeSelfSignedCert();
});
afterAll(() => tls?.cleanup());

const fast: TransportOptions = {
  retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 },
  timeoutMs: 5000,
};
const cases: {
  target: Target;
  start: (o: ServerOptions) => Promise<TestServer>;
  extra?: TransportOptions;
}[] = [
  { target: 'http1', start: (o) => startHttp1Server(o), extra: { connections: 2, pipelining: 4 } },
  { target: 'h2c', start: (o) => startH2cServer(o) },
  { target: 'h2', start: (o) => startH2TlsServer(tls, o), extra: { insecure: true } },
  { target: 'ws', start: (o) => startWsServer(o), extra: { reconnectBaseMs: 20, reconnectMaxMs: 200 } },
];

function batches(producer: string, count: number, size: number): Batch[] {
  const fleet = createFleet({ hosts: 40, seed: 11, startTime: 1_763_830_000_000 });
  const stream = createBatchStream({ fleet, producer, batchSize: size });
  return Array.from({ length: count }, (_, i) => stream.next(1_763_830_000_000 + i * 50));
}

describe.each(cases)('$target under faults', ({ target, start, extra }) => {
  it('retries 503 with retry-after, keeping seq, until every batch is acked once', async () => {
    // every 4th batch is answered 503 twice; seq 1 asks for a full second
    const server = await start({
      fault: (batch, attempt) =>
        batch.seq % 4 === 1 && attempt <= 2 ? { status: 503, retryAfter: batch.seq === 1 ? '1' : '0' } : 'ok',
    });
    const transport = createTransport(target, { url: server.url, ...fast, ...extra });
    try {
      const all = batches(`r503-${target}`, 40, 3);
      const results = await Promise.all(all.map((b) => transport.send(b)));
      expect(results.map((r) => r.status)).toEqual(all.map(() => 'acknowledged'));
      const slow = results[1];
      expect(slow?.status === 'acknowledged' && slow.latencyMs).toBeGreaterThanOrEqual(1000);
      const counts = transport.counters();
      expect(counts.batches.sent).toBe(40);
      expect(counts.batches.acknowledged).toBe(40);
      expect(counts.retries).toBe(20); // 10 batches x 2 extra attempts
      expect(counts.errors).toEqual({ [target === 'ws' ? 'nack-busy' : 'status-503']: 20 });
      expect(server.state.accepted).toBe(120);
      expect(server.state.batches).toBe(40);
      expect(server.state.attempts.get(`r503-${target}\u00001`)).toBe(3);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('resends after the server kills the connection mid-flight; the server counts each sample once', async () => {
    // the first arrival of every 7th batch is taken but unanswered: the connection dies under it
    const server = await start({
      fault: (batch, attempt) => (batch.seq % 7 === 3 && attempt === 1 ? 'drop' : 'ok'),
    });
    const transport = createTransport(target, { url: server.url, ...fast, ...extra });
    try {
      const all = batches(`drop-${target}`, 60, 2);
      const results = await Promise.all(all.map((b) => transport.send(b)));
      expect(results.filter((r) => r.status !== 'acknowledged')).toEqual([]);
      const counts = transport.counters();
      expect(counts.batches.sent).toBe(60);
      expect(counts.batches.acknowledged).toBe(60);
      expect(counts.batches.failed + counts.batches.refused).toBe(0);
      expect(counts.retries).toBeGreaterThanOrEqual(9); // at least each dropped batch once more
      // exactly once at the server: every seq counted, none twice
      expect(server.state.batches).toBe(60);
      expect(server.state.accepted).toBe(120);
      expect([...server.state.seen.keys()].sort()).toEqual(
        all.map((b) => `${b.producer}\u0000${b.seq}`).sort(),
      );
      // a repeat's ack can itself be lost to a later kill, so the server may see more repeats
      expect(counts.batches.duplicates).toBeLessThanOrEqual(server.state.duplicates);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('counts a 400 as refused and does not retry it', async () => {
    const server = await start({});
    const transport = createTransport(target, { url: server.url, ...fast, ...extra });
    try {
      const [good, bad] = batches(`r400-${target}`, 2, 1) as [Batch, Batch];
      const invalid = { ...bad, samples: [{ ...bad.samples[0]!, cpu: 101 }] };
      const refused = await transport.send(invalid);
      expect(refused).toMatchObject({ status: 'refused', attempts: 1 });
      expect((await transport.send(good)).status).toBe('acknowledged');
      const counts = transport.counters();
      expect(counts.batches).toMatchObject({ sent: 2, acknowledged: 1, refused: 1, failed: 0 });
      expect(counts.retries).toBe(0);
      expect(server.state.rejected).toBe(1);
      expect(server.state.accepted).toBe(1);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});

describe('giving up', () => {
  it('counts a batch as failed after maxAttempts, never silently', async () => {
    const server = await startHttp1Server({ fault: () => ({ status: 500 }) });
    const transport = createTransport('http1', {
      url: server.url,
      retry: { maxAttempts: 3, baseDelayMs: 5 },
    });
    try {
      const result = await transport.send(batches('giveup', 1, 4)[0]!);
      expect(result).toMatchObject({ status: 'failed', attempts: 3 });
      const counts = transport.counters();
      expect(counts.batches).toMatchObject({ sent: 1, acknowledged: 0, failed: 1 });
      expect(counts.samples.failed).toBe(4);
      expect(counts.retries).toBe(2);
      expect(counts.errors).toEqual({ 'status-500': 3 });
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('fails fast against a port where nothing listens, with connection-refused counted', async () => {
    const transport = createTransport('ws', {
      url: 'ws://127.0.0.1:1',
      retry: { maxAttempts: 2, baseDelayMs: 5 },
      reconnectBaseMs: 5,
    });
    try {
      const result = await transport.send(batches('nobody', 1, 1)[0]!);
      expect(result.status).toBe('failed');
      expect(transport.counters().errors['connection-refused']).toBe(2);
    } finally {
      await transport.close();
    }
  });
});
