// The fleet connection model and latency from the schedule, against real servers on port 0: one
// connection per host (counted at the server), each host's batches on its own connection and from
// its own host, a gradual ramp, reconnects that keep unacknowledged batches, a stalling server that
// latency from the schedule sees and service latency does not, and an impossible rate reported as
// generator-bound rather than as the system's failure.
import type { Batch } from '@ingestlab/metric-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadOptions, type LoadSummary, type Target, runLoad } from '../src/index.js';
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

const cases: {
  target: Target;
  start: (o: ServerOptions) => Promise<TestServer>;
  extra?: () => Partial<LoadOptions>;
}[] = [
  { target: 'http1', start: (o) => startHttp1Server(o) },
  { target: 'h2c', start: (o) => startH2cServer(o) },
  { target: 'h2', start: (o) => startH2TlsServer(tls, o), extra: () => ({ ca: tls.cert }) },
  { target: 'ws', start: (o) => startWsServer(o) },
];

/** Every batch acknowledged once, and the server holds exactly the (producer, seq) pairs the summary names. */
function expectReconciled(summary: LoadSummary, server: TestServer) {
  const { batches, samples } = summary;
  const context = JSON.stringify({ batches, errors: summary.errors, server: server.state.accepted });
  expect(batches.sent, context).toBeGreaterThan(0);
  expect(batches.failed + batches.refused, `failed or refused: ${context}`).toBe(0);
  expect(batches.acknowledged, `acknowledged: ${context}`).toBe(batches.sent);
  expect(samples.due, `due: ${context}`).toBe(samples.sent + samples.missed);
  // a batch acknowledged as a duplicate may have been counted by its first, unanswered attempt
  expect(server.state.accepted, `accepted at the server: ${context}`).toBeGreaterThanOrEqual(
    samples.acknowledged - samples.duplicates,
  );
  expect(server.state.accepted, `accepted at the server: ${context}`).toBeLessThanOrEqual(
    samples.acknowledged,
  );
  const expected = summary.producers.flatMap((p) =>
    Array.from({ length: p.batches }, (_, s) => `${p.name}\u0000${s}`),
  );
  expect([...server.state.seen.keys()].sort()).toEqual(expected.sort());
}

describe.each(cases)('$target, one connection per host', ({ target, start, extra }) => {
  it('opens N distinct connections at the server, sends each host on its own, ramps up, and reconciles', async () => {
    const hostsSeen = new Map<string, Set<string>>();
    const server = await start({
      fault: (batch) => {
        const hosts = hostsSeen.get(batch.producer) ?? new Set<string>();
        for (const sample of batch.samples) hosts.add(sample.host);
        hostsSeen.set(batch.producer, hosts);
        return 'ok';
      },
    });
    try {
      const hosts = 40;
      const summary = await runLoad({
        target,
        url: server.url,
        hosts,
        intervalMs: 100,
        durationMs: 800,
        connectRate: 200, // 40 connections over 200 ms
        seed: 5,
        producerPrefix: `ph-${target}`,
        ...extra?.(),
      });
      expectReconciled(summary, server);
      expect(summary.connectionModel).toBe('per-host');
      expect(summary.connections).toBe(hosts);
      expect(summary.connectionsOpened).toBe(hosts);
      expect(summary.connectionsLost).toBe(0);
      // counted on the server: one connection per host, each producer on exactly one, all different
      expect(server.state.connections).toBe(hosts);
      expect(server.state.producerConnections.size).toBe(hosts);
      const used = [...server.state.producerConnections.values()];
      expect(used.every((set) => set.size === 1)).toBe(true);
      expect(new Set(used.flatMap((set) => [...set])).size).toBe(hosts);
      // each producer is one host and reports only that host
      for (const [producer, seen] of hostsSeen) {
        expect([...seen]).toEqual([producer.replace(`ph-${target}-`, '')]);
      }
      // ramped, not a burst: the connections came over most of the 200 ms ramp
      const times = server.state.connectedAt;
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(120);
    } finally {
      await server.close();
    }
  });

  it('reconnects a lost connection with backoff and keeps its unacknowledged batches', async () => {
    // the first arrival of every 6th batch is taken but its connection is killed before the answer
    const server = await start({
      fault: (batch, attempt) => (batch.seq % 6 === 2 && attempt === 1 ? 'drop' : 'ok'),
    });
    try {
      const summary = await runLoad({
        target,
        url: server.url,
        hosts: 10,
        intervalMs: 50,
        durationMs: 1000,
        reconnectBaseMs: 20,
        reconnectMaxMs: 200,
        retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 },
        producerPrefix: `rc-${target}`,
        ...extra?.(),
      });
      expectReconciled(summary, server);
      expect(summary.connectionsLost).toBeGreaterThan(0);
      expect(summary.connectionsOpened).toBeGreaterThan(10);
      expect(summary.retries).toBeGreaterThan(0);
      // still one producer per connection: a host reconnects, it never borrows another host's socket
      for (const [producer, connections] of server.state.producerConnections) {
        for (const [other, theirs] of server.state.producerConnections) {
          if (other !== producer) expect([...connections].some((c) => theirs.has(c))).toBe(false);
        }
      }
    } finally {
      await server.close();
    }
  });
});

describe('latency from the schedule', () => {
  it('sees a server stall of 500 ms that service latency does not (coordinated omission)', async () => {
    // every 250th batch is held 500 ms; HTTP/1.1 carries one request at a time, so the batches due
    // meanwhile wait in the producer: their service time is small, their wait is not
    const server = await startHttp1Server({
      fault: (batch, attempt) =>
        batch.seq > 0 && batch.seq % 250 === 0 && attempt === 1 ? { delayMs: 500 } : 'ok',
    });
    try {
      const summary = await runLoad({
        target: 'http1',
        url: server.url,
        hosts: 500,
        intervalMs: 1000, // 500 batches/s over one connection
        connections: 1,
        workers: 1,
        durationMs: 1600,
        producerPrefix: 'stall',
      });
      expectReconciled(summary, server);
      const { fromSchedule, service } = summary.latencyMs;
      expect(service.max).toBeGreaterThanOrEqual(500); // the held batches themselves
      expect(fromSchedule.p99).toBeGreaterThanOrEqual(500);
      expect(service.p99).toBeLessThan(250);
      expect(summary.missedBy).toEqual({ backlog: 0, generator: 0 });
    } finally {
      await server.close();
    }
  });

  it('lets a host keep its samples until it has a batch: one host per batch, one interval apart', async () => {
    const batches: Batch[] = [];
    const server = await startWsServer({
      fault: (batch) => {
        batches.push(batch);
        return 'ok';
      },
    });
    try {
      const summary = await runLoad({
        target: 'ws',
        url: server.url,
        hosts: 5,
        intervalMs: 40,
        batchSize: 3,
        durationMs: 600,
      });
      expectReconciled(summary, server);
      expect(batches.length).toBeGreaterThan(5);
      for (const batch of batches) {
        expect(new Set(batch.samples.map((s) => s.host)).size).toBe(1);
        const ts = batch.samples.map((s) => s.ts);
        expect(ts[1]! - ts[0]!).toBe(40);
        expect(ts[2]! - ts[1]!).toBe(40);
      }
    } finally {
      await server.close();
    }
  });
});

describe('a generator that knows its own limit', () => {
  it('reports an impossible rate as generator-bound, with nothing lost at the system', async () => {
    const server = await startWsServer();
    try {
      const summary = await runLoad({
        target: 'ws',
        url: server.url,
        hosts: 1000,
        intervalMs: 0.01, // 100 million samples/s
        connections: 4,
        workers: 1,
        durationMs: 1500,
        maxBacklog: 64,
      });
      expect(summary.generator.bound).toBe(true);
      expect(summary.generator.reasons.join(' ')).toMatch(/schedule lag p99|event loop|fell more than/);
      // the lag is measured whenever the thread got to a due batch after the ramp; on a machine so
      // loaded that it never did, the verdict must still say why (busy event loop, dropped batches)
      if (summary.generator.scheduleLagMs.p99 === null)
        expect(summary.generator.reasons.join(' ')).toMatch(/event loop|fell more than/);
      else expect(summary.generator.scheduleLagMs.p99).toBeGreaterThan(0);
      expect(summary.generator.cpuPercent).toBeGreaterThan(0);
      // what was sent was acknowledged and counted once: the system did not fail, the generator could not keep up
      expectReconciled(summary, server);
      expect(summary.samples.missed).toBeGreaterThan(0);
      expect(summary.ackedShare).toBeLessThan(1);
    } finally {
      await server.close();
    }
  });
});
