// The load driver end to end against real servers: open-model rate, producers and seqs, worker
// threads merging their counts, abort with drain, and the books balancing with the server's.
import { describe, expect, it } from 'vitest';
import { type LoadProgress, type LoadSummary, runLoad } from '../src/index.js';
import {
  type TestServer,
  startH2cServer,
  startHttp1Server,
  startWsServer,
} from './support/contract-servers.js';

function expectBalanced(summary: LoadSummary, server: TestServer) {
  const { batches, samples } = summary;
  expect(batches.sent).toBeGreaterThan(0);
  expect(batches.acknowledged + batches.refused + batches.failed).toBe(batches.sent);
  expect(batches.acknowledged).toBe(batches.sent);
  expect(samples.acknowledged).toBe(samples.sent);
  expect(server.state.accepted).toBe(samples.acknowledged);
  // each producer used seq 0..batches-1, and the server holds exactly those pairs
  const expected = summary.producers.flatMap((p) =>
    Array.from({ length: p.batches }, (_, s) => `${p.name}\u0000${s}`),
  );
  expect([...server.state.seen.keys()].sort()).toEqual(expected.sort());
  expect(summary.latencyMs.fromSchedule.count).toBeLessThanOrEqual(batches.acknowledged);
}

describe('runLoad', () => {
  it('holds the open-model rate in one thread and balances with the server (ws)', async () => {
    const server = await startWsServer();
    try {
      const summary = await runLoad({
        target: 'ws',
        url: server.url,
        hosts: 200,
        intervalMs: 100, // 2,000 samples/s
        batchSize: 5,
        durationMs: 1500,
        seed: 7,
        connections: 2,
      });
      expectBalanced(summary, server);
      expect(summary.connectionModel).toBe('pooled');
      expect(summary.targetRate).toBe(2000);
      expect(summary.producers.map((p) => p.name)).toEqual(['fleet-7-0-0', 'fleet-7-0-1']);
      // spread over time: never more than the schedule allows, and not far behind it either
      const due = (summary.targetRate * summary.elapsedMs) / 1000;
      expect(summary.samples.sent).toBeLessThanOrEqual(due + 2 * summary.batchSize);
      expect(summary.samples.sent).toBeGreaterThan(due * 0.5);
      expect(summary.samples.due).toBe(summary.samples.sent + summary.samples.missed);
      expect(summary.stoppedBy).toBe('duration');
    } finally {
      await server.close();
    }
  });

  it.each([
    ['ws', startWsServer],
    ['http1', startHttp1Server],
  ] as const)(
    'builds MessagePack bodies from cached parts and balances with the server (%s)',
    async (target, start) => {
      const server = await start();
      try {
        const run = (encoding: 'json' | 'msgpack') =>
          runLoad({
            target,
            encoding,
            url: server.url,
            hosts: 40,
            intervalMs: 100,
            batchSize: 10,
            durationMs: 800,
            seed: 7,
            workers: 1,
            producerPrefix: encoding,
          });
        const summary = await run('msgpack');
        expect(summary.encoding).toBe('msgpack');
        expect(summary.batches.acknowledged).toBe(summary.batches.sent);
        expect(server.state.accepted).toBe(summary.samples.acknowledged);
        expect(server.state.encodings).toEqual({ json: 0, msgpack: summary.batches.sent });
        const json = await run('json');
        // the same fleet in JSON: each sample costs more bytes as text
        expect(json.bodyBytes.perSample).toBeGreaterThan(summary.bodyBytes.perSample!);
        expect(summary.bodyBytes.perSample).toBeGreaterThan(50);
      } finally {
        await server.close();
      }
    },
  );

  it('splits hosts over worker threads and merges their counts and histograms (h2c)', async () => {
    const server = await startH2cServer();
    try {
      const summary = await runLoad({
        target: 'h2c',
        url: server.url,
        hosts: 400,
        intervalMs: 200,
        batchSize: 10,
        durationMs: 1500,
        seed: 9,
        workers: 2,
        connections: 4, // pooled, over the whole run: two per thread
      });
      expectBalanced(summary, server);
      expect(summary.workers).toBe(2);
      expect(summary.connections).toBe(4);
      expect(summary.generator.threads).toBe(2);
      expect(summary.generator.eventLoopUtilization).toHaveLength(2);
      expect(summary.hosts).toBe(400);
      expect(summary.producers.map((p) => p.name).sort()).toEqual([
        'fleet-9-0-0',
        'fleet-9-0-1',
        'fleet-9-1-0',
        'fleet-9-1-1',
      ]);
      // both threads' histograms merged: as many latencies as steady batches acknowledged
      expect(summary.latencyMs.fromSchedule.p50).not.toBeNull();
      expect(summary.latencyMs.service.count).toBe(summary.latencyMs.fromSchedule.count);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('stops on abort, drains in-flight acks and reports progress (http1)', async () => {
    const server = await startHttp1Server();
    const controller = new AbortController();
    const progress: LoadProgress[] = [];
    try {
      const running = runLoad({
        target: 'http1',
        url: server.url,
        hosts: 100,
        intervalMs: 100,
        durationMs: Number.POSITIVE_INFINITY,
        signal: controller.signal,
        progressIntervalMs: 100,
        onProgress: (p) => {
          progress.push(p);
          if (progress.length === 5) controller.abort();
        },
      });
      const summary = await running;
      expect(summary.stoppedBy).toBe('abort');
      expectBalanced(summary, server);
      expect(progress.length).toBeGreaterThanOrEqual(5);
      expect(progress.at(-1)?.acknowledged).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('counts batches the server refuses, and fails what it never answers once stopped', async () => {
    const server = await startHttp1Server({
      fault: (batch) => (batch.seq % 2 === 0 ? { status: 400 } : { status: 503, retryAfter: '5' }),
    });
    try {
      const summary = await runLoad({
        target: 'http1',
        url: server.url,
        hosts: 20,
        intervalMs: 100,
        durationMs: 500,
        drainTimeoutMs: 200,
      });
      const { batches } = summary;
      expect(batches.refused).toBeGreaterThan(0);
      expect(batches.failed).toBeGreaterThan(0); // the 503s still waiting when the run closed
      expect(batches.acknowledged).toBe(0);
      expect(batches.refused + batches.failed).toBe(batches.sent);
      expect(summary.errors['status-400']).toBe(batches.refused);
    } finally {
      await server.close();
    }
  });

  it('rejects bad options with the option named', async () => {
    await expect(runLoad({ target: 'ws', batchSize: 0 })).rejects.toThrow(/batchSize must be/);
    await expect(runLoad({ target: 'h2', url: 'http://127.0.0.1:1' })).rejects.toThrow(
      /does not suit target h2/,
    );
  });
});
