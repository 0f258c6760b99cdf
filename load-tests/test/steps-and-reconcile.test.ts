// The comparison's judgement: when a run reconciles, when a step passes, where the knee is, and how
// flags are read. Pure functions, so these run in milliseconds.
import type { LoadSummary } from '@ingestlab/producers';
import { describe, expect, it } from 'vitest';
import { UsageError, parseOptions } from '../src/compare/options.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reconcile, type StatsLike, waitDrained } from '../src/compare/reconcile.js';
import { type PointRun, spread } from '../src/compare/results.js';
import { summariseLadder, summariseStep } from '../src/compare/steps.js';

const stats = (accepted: number, aggregated: number, duplicates = 0): StatsLike => ({
  system: 'ws-memory',
  accepted,
  aggregated,
  rejected: 0,
  duplicates,
  queueDepth: 0,
});

function summary(samples: Partial<LoadSummary['samples']>): LoadSummary {
  const outcomes = { sent: 0, acknowledged: 0, duplicates: 0, refused: 0, failed: 0, missed: 0, ...samples };
  return { samples: outcomes, batches: outcomes } as unknown as LoadSummary;
}

describe('reconcile', () => {
  it('passes when everything acknowledged was accepted and aggregated once', () => {
    const r = reconcile(
      summary({ sent: 100, acknowledged: 100 }),
      stats(10, 10),
      stats(110, 110),
      { drained: true, ms: 5 },
      'samples',
    );
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
  });

  it('fails with the numbers when acknowledged samples never reached the aggregate', () => {
    const r = reconcile(
      summary({ sent: 100, acknowledged: 100 }),
      stats(0, 0),
      stats(100, 97),
      { drained: true, ms: 5 },
      'samples',
    );
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toContain('3 samples accepted but not aggregated');
    expect(r.problems.join('\n')).toContain('3 acknowledged samples missing from the aggregate');
  });

  it('does not count acknowledged duplicates twice, and flags a pipeline that did not drain', () => {
    const ok = reconcile(
      summary({ sent: 100, acknowledged: 100, duplicates: 5 }),
      stats(0, 0),
      stats(95, 95, 5),
      { drained: true, ms: 5 },
      'samples',
    );
    expect(ok.ok).toBe(true);
    const stuck = reconcile(
      summary({ sent: 10, acknowledged: 10 }),
      stats(0, 0),
      stats(10, 10),
      { drained: false, ms: 60_000 },
      'samples',
    );
    expect(stuck.ok).toBe(false);
    expect(stuck.problems[0]).toContain('not drained after 60000 ms');
  });

  it('lets a bare baseline count every attempt of a retried batch (it does not recognise repeats)', () => {
    const retried = { ...summary({ sent: 10, acknowledged: 10 }), retries: 3 } as LoadSummary;
    expect(reconcile(retried, stats(0, 0), stats(13, 13), { drained: true, ms: 1 }, 'batches').ok).toBe(true);
    expect(reconcile(retried, stats(0, 0), stats(14, 14), { drained: true, ms: 1 }, 'batches').ok).toBe(
      false,
    );
    // a system that deduplicates must never count a retry twice
    expect(reconcile(retried, stats(0, 0), stats(13, 13), { drained: true, ms: 1 }, 'samples').ok).toBe(
      false,
    );
  });

  it('catches a system that counted more than was sent', () => {
    const r = reconcile(
      summary({ sent: 10, acknowledged: 10 }),
      stats(0, 0),
      stats(20, 20),
      { drained: true, ms: 1 },
      'samples',
    );
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toContain('counted twice');
  });
});

function run(
  offeredRate: number,
  achievedRate: number,
  p99: number,
  ok = true,
  extra: { bound?: boolean; series?: 'single' | 'fleet'; share?: number } = {},
): PointRun {
  return {
    target: 'ws',
    series: extra.series ?? 'single',
    batchSize: 1,
    offeredRate,
    hosts: extra.series === 'fleet' ? offeredRate : 2000,
    connectionModel: extra.series === 'fleet' ? 'per-host' : 'pooled',
    connections: extra.series === 'fleet' ? offeredRate : 64,
    repeat: 1,
    durationS: 6,
    achievedRate,
    encoding: 'json',
    bodyBytesPerSample: 108,
    sentRate: achievedRate,
    ackedShare: extra.share ?? achievedRate / offeredRate,
    latencyMs: { p50: p99 / 4, p95: p99 / 2, p99, max: p99 },
    serviceMs: { p50: 1, p99: 2 },
    generator: {
      bound: extra.bound ?? false,
      late: false,
      reasons: extra.bound ? ['schedule lag p99 900 ms > 50 ms'] : [],
      cpuPercent: 90,
      threads: 1,
      eventLoopUtilization: [0.5],
      scheduleLagP99Ms: extra.bound ? 900 : 2,
      missedLate: 0,
    },
    samples: { sent: 1, acknowledged: 1, duplicates: 0, refused: 0, failed: 0, missed: 0 },
    retries: 0,
    errors: {},
    lag: null,
    reconciliation: { ok, problems: ok ? [] : ['x'] } as PointRun['reconciliation'],
    processes: { 's2-server': { cpuPercent: 50, rssMaxMiB: 100, rssAvgMiB: 90, rssStartMiB: 60 } },
    rssPerConnectionKiB: { 's2-server': 4 },
    aborted: false,
  };
}

describe('waitDrained', () => {
  it('waits until /stats stops moving: a server may still take in what a closing fleet gave up on', async () => {
    // accepted (and aggregated) keep growing for 800 ms after the producer stopped, then stay put
    const began = Date.now();
    const server = createServer((_req, res) => {
      const late = Math.min(800, Date.now() - began);
      const n = 100 + Math.floor(late / 100);
      res.end(JSON.stringify({ ...stats(n, n), system: 'http-redis' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const drain = await waitDrained(url, stats(0, 0), 100, 10_000, 500);
      expect(drain.drained).toBe(true);
      expect(drain.stats.accepted).toBe(108);
      expect(Date.now() - began).toBeGreaterThanOrEqual(800 + 500);
    } finally {
      server.close();
    }
  });
});

describe('steps and knees', () => {
  it('gives min, median and max over repeats', () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(spread([4, 1])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(spread([null])).toEqual({ min: null, median: null, max: null });
  });

  it('passes a step only with zero loss, keeping up, and p99 under the bound', () => {
    expect(summariseStep([run(1000, 990, 20), run(1000, 1000, 30), run(1000, 995, 400)], 100).passed).toBe(
      true,
    );
    const slow = summariseStep([run(1000, 1000, 150), run(1000, 1000, 160), run(1000, 1000, 20)], 100);
    expect(slow.passed).toBe(false);
    expect(slow.verdict).toContain('ack p99 150 ms > 100 ms');
    expect(summariseStep([run(1000, 900, 10)], 100).verdict).toContain('of 1000/s (< 95 %)');
    expect(summariseStep([run(1000, 1000, 10), run(1000, 1000, 10, false)], 100).zeroLoss).toBe(false);
  });

  it('puts the knee at the last passing step before the first failure', () => {
    const steps = [
      summariseStep([run(1000, 1000, 10)], 100),
      summariseStep([run(2000, 2000, 20)], 100),
      summariseStep([run(4000, 3000, 900)], 100),
      summariseStep([run(8000, 8000, 10)], 100),
    ];
    const ladder = summariseLadder(steps);
    expect(ladder.knee).toBe(2000);
    expect(ladder.limitedBy).toBe('system');
    expect(ladder.peakAchieved).toBe(8000);
    expect(summariseLadder([summariseStep([run(1000, 10, 10)], 100)]).knee).toBeNull();
  });

  it('never counts a generator-bound step as the system failing: the knee stands, limited by the generator', () => {
    // an impossible step: the generator fell behind, so little was acked and latency from the schedule exploded
    const impossible = summariseStep([run(4000, 1500, 2000, true, { bound: true })], 100);
    expect(impossible.generatorBound).toBe(true);
    expect(impossible.passed).toBe(false);
    expect(impossible.verdict).toMatch(/^GENERATOR-BOUND in 1 of 1 run\(s\) \(schedule lag p99/);
    // a late but idle generator (a full machine) excuses nothing: the step is judged on its figures
    const late = run(4000, 1500, 2000);
    late.generator = {
      ...late.generator,
      late: true,
      reasons: ['schedule lag p99 90 ms > 50 ms while no producer thread was busy'],
    };
    const lateStep = summariseStep([late], 100);
    expect(lateStep.generatorBound).toBe(false);
    expect(lateStep.generatorLate).toBe(true);
    expect(summariseLadder([summariseStep([run(1000, 1000, 10)], 100), lateStep]).limitedBy).toBe('system');
    const ladder = summariseLadder([summariseStep([run(1000, 1000, 10)], 100), impossible]);
    expect(ladder.knee).toBe(1000);
    expect(ladder.limitedBy).toBe('generator');
    // but data the system acknowledged and lost is the system's failure, generator or not
    const lost = summariseStep([run(4000, 1500, 2000, false, { bound: true })], 100);
    expect(summariseLadder([summariseStep([run(1000, 1000, 10)], 100), lost]).limitedBy).toBe('system');
    // every step passing: the ladder, not the system, ended the climb
    expect(summariseLadder([summariseStep([run(1000, 1000, 10)], 100)]).limitedBy).toBe('ladder-top');
  });

  it('gives the fleet series its knee in hosts, and a step that did not get everything acked fails', () => {
    const steps = [
      summariseStep([run(1000, 1000, 5, true, { series: 'fleet', share: 1 })], 100),
      summariseStep([run(2000, 1990, 8, true, { series: 'fleet', share: 0.995 })], 100),
      summariseStep([run(5000, 5000, 9, true, { series: 'fleet', share: 0.9 })], 100),
    ];
    const ladder = summariseLadder(steps);
    expect(ladder.unit).toBe('hosts');
    expect(ladder.knee).toBe(2000);
    expect(steps[2]?.verdict).toContain('acked 90 % of due');
  });
});

describe('compare flags', () => {
  it('reads values, applies --quick defaults and rejects nonsense with a reason', () => {
    const quick = parseOptions(['--quick', '--pipelines', 'ws,http1'], '/tmp/r');
    expect(quick?.repeats).toBe(1);
    expect(quick?.pipelines).toEqual(['ws', 'http1']);
    expect(parseOptions(['--help'], '/tmp/r')).toBeNull();
    expect(parseOptions(['--repeats=5', '--p99-bound', '80'], '/tmp/r')).toMatchObject({
      repeats: 5,
      p99BoundMs: 80,
    });
    expect(() => parseOptions(['--pipelines', 'http3'], '/tmp/r')).toThrow(UsageError);
    expect(() => parseOptions(['--rates-single', '5,3'], '/tmp/r')).toThrow('must increase');
    expect(() => parseOptions(['--sse-share', '2'], '/tmp/r')).toThrow(
      '--sse-share must be a number from 0 to 1',
    );
    expect(() => parseOptions(['--duration'], '/tmp/r')).toThrow('--duration needs a value');
    expect(() => parseOptions(['--connections', '64', '--hosts', '10'], '/tmp/r')).toThrow(
      'cannot exceed --hosts',
    );
    const fleet = parseOptions(
      ['--series', 'fleet', '--fleet-hosts', '100,200', '--connect-rate', '500'],
      '/tmp/r',
    );
    expect(fleet).toMatchObject({
      series: ['fleet'],
      fleetHosts: [100, 200],
      connectRate: 500,
      loadThreads: 'auto',
    });
    expect(parseOptions([], '/tmp/r')?.series).toEqual(['single', 'batched', 'fleet']);
    expect(parseOptions(['--quick'], '/tmp/r')?.fleetHosts).toEqual([500]);
    expect(() => parseOptions(['--fleet-hosts', '2000,1000'], '/tmp/r')).toThrow('must increase');
  });
});
