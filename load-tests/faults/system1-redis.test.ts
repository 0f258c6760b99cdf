// System 1, Redis faults under a steady HTTP load: a crash and restart with append-only persistence
// (nothing acked may be lost), the same without persistence (the loss is measured and reported), and
// Redis out of memory with noeviction (ingest refuses with 503, never 500, and recovers).
import { afterEach, describe, expect, it } from 'vitest';
import { systemPresent } from './support/paths.js';
import { redisCommand, redisInfoNumber } from './support/redis-command.js';
import { describeSummary, reconcile, timeRecovery } from './support/recovery.js';
import { getStats, waitDrained } from './support/stats.js';
import { liveViewer, samplesSeen } from './support/viewers.js';
import { waitUntil } from '@ingestlab/devkit';
import { startSteadyLoad } from './support/steady-load.js';
import { type System1, startSystem1 } from './support/system1.js';
import { recordRow } from './support/table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RATE = 1000;

describe.skipIf(!systemPresent('http'))('System 1: Redis faults', () => {
  let system: System1 | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('Redis kill -9 and restart with appendonly on: no acked sample is lost', async () => {
    system = await startSystem1({ redis: { appendOnly: true } });
    const viewer = liveViewer(system.httpUrl);
    await viewer.ready;
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-aof', rate: RATE });
    await load.waitAcked(3000);
    const before = await getStats(system.httpUrl);
    await system.crashRedis();
    const t0 = performance.now();
    await sleep(1000);
    const downAt = performance.now();
    await system.restartRedis();
    const recoveryMs = await timeRecovery(load, system.httpUrl, t0, before.accepted, downAt);
    await sleep(3000);
    const summary = await load.stop();
    const stats = await waitDrained(system.httpUrl, 90_000);
    // what the dashboards saw: every acked sample should also appear in a published window
    await waitUntil(() => samplesSeen(viewer.tally) >= stats.aggregated, 10_000).catch(() => undefined);
    const seen = samplesSeen(viewer.tally);
    viewer.close();
    const row = reconcile(
      'System 1',
      'Redis kill -9 + restart, appendonly on (down 1 s)',
      summary,
      stats,
      recoveryMs,
      `recovery: kill to acks flowing and every pre-crash ack aggregated; a /live viewer saw ${seen} samples in published windows`,
    );
    recordRow(row);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
    expect(stats.accepted, describeSummary(summary)).toBe(summary.samples.acknowledged);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
    expect(seen, 'samples in windows the dashboards saw').toBe(stats.aggregated);
  });

  it('Redis kill -9 and restart with appendonly off: the loss is measured and reported', async () => {
    system = await startSystem1({ redis: { appendOnly: false } });
    const viewer = liveViewer(system.httpUrl);
    await viewer.ready;
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-noaof', rate: RATE });
    await load.waitAcked(3000);
    const readAt = performance.now();
    const before = await getStats(system.httpUrl);
    // The newest window the dashboards had at the kill: what was acked after its end sat in windows
    // not yet published (open, or waiting to close), which went with Redis.
    const publishedUpTo = Math.max(...[...viewer.tally.windows.values()].map((w) => w.end));
    await system.crashRedis();
    const killedAt = Date.now();
    const t0 = performance.now();
    const gapMs = Math.round(t0 - readAt);
    await sleep(1000);
    const downAt = performance.now();
    await system.restartRedis();
    const recoveryMs = await timeRecovery(load, system.httpUrl, t0, 0, downAt);
    await sleep(3000);
    const summary = await load.stop();
    const after = await waitDrained(system.httpUrl, 90_000);
    await sleep(2500); // the last windows close and publish
    const seen = samplesSeen(viewer.tally);
    viewer.close();
    // Redis held the counters too: after the restart they start again from zero, so the totals are
    // the last reading before the kill plus everything since.
    const acceptedTotal = before.accepted + after.accepted;
    const aggregatedTotal = before.aggregated + after.aggregated;
    const acked = summary.samples.acknowledged;
    // a retry of a batch Redis had taken before it died is counted again (the repeat memory died too)
    const duplicated = Math.max(0, acceptedTotal - acked);
    // lost = acked samples that never reached a window a dashboard saw (the /stats view, which
    // counts the open windows' partial aggregates as aggregated, is in the note)
    const lost = Math.max(0, acked - (seen - duplicated));
    const row = {
      system: 'System 1' as const,
      case: 'Redis kill -9 + restart, appendonly off (down 1 s)',
      offered: summary.samples.sent,
      acked,
      aggregated: seen,
      lost,
      duplicated,
      recoveryMs,
      note: `aggregated = samples in windows a /live viewer saw; no persistence: queue, open windows' partial aggregates, history, counters and repeat memory went with Redis. By /stats (last reading before the kill + after, ± what moved in the ${gapMs} ms between): aggregated ${aggregatedTotal}, backlog at the kill ${before.accepted - before.aggregated} samples (queueDepth ${before.queueDepth}); the rest of the loss was in open windows. duplicated = retried batches Redis had taken before it died, counted again; producers saw ${JSON.stringify(summary.errors)}`,
    };
    recordRow(row);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
    // after the restart the pipeline is exact again
    expect(after.accepted).toBe(after.aggregated);
    // the loss is no larger than what was waiting in Redis at the kill, plus what was acked after the
    // newest published window ended (the windows not yet published), plus what moved in the gap
    const unpublishedMs = killedAt - publishedUpTo;
    expect(Number.isFinite(unpublishedMs), 'the viewer had windows before the kill').toBe(true);
    expect(row.lost, `unpublished span ${unpublishedMs} ms, gap ${gapMs} ms`).toBeLessThanOrEqual(
      before.accepted - before.aggregated + Math.ceil((RATE * (unpublishedMs + gapMs + 200)) / 1000),
    );
    // every acked sample was counted as accepted by one Redis or the other (no ack without a count)
    expect(acceptedTotal + Math.ceil((RATE * (gapMs + 200)) / 1000)).toBeGreaterThanOrEqual(acked);
  });

  it('Redis full (maxmemory, noeviction): ingest answers 503 with retry-after, never 500, and recovers', async () => {
    system = await startSystem1({});
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-full', rate: RATE });
    await load.waitAcked(3000);
    const used = await redisInfoNumber(system.redis.url, 'memory', 'used_memory');
    // below what is used: every command that needs memory is refused with OOM from now on
    await redisCommand(system.redis.url, [
      'CONFIG',
      'SET',
      'maxmemory',
      String(Math.max(1024 * 1024, Math.floor(used / 2))),
    ]);
    await sleep(1500);
    const probe = await fetch(`${system.httpUrl}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        producer: 'f-s1-full-probe',
        seq: 0,
        samples: [{ host: 'h', ts: Date.now(), cpu: 1, mem: 1, disk: 1, netIn: 1, netOut: 1 }],
      }),
    });
    const probeBody = await probe.text();
    const readyz = await fetch(`${system.httpUrl}/readyz`);
    await readyz.arrayBuffer();
    await sleep(1500);
    const downAt = performance.now();
    await redisCommand(system.redis.url, ['CONFIG', 'SET', 'maxmemory', '0']);
    const t0 = performance.now();
    const recoveryMs = await timeRecovery(load, system.httpUrl, t0, 0, downAt);
    await sleep(3000);
    const summary = await load.stop();
    const stats = await waitDrained(system.httpUrl, 90_000);
    const row = reconcile(
      'System 1',
      'Redis full 3 s (maxmemory < used, noeviction)',
      summary,
      stats,
      recoveryMs,
      `during: POST /ingest → ${probe.status} (retry-after ${probe.headers.get('retry-after')}), /readyz → ${readyz.status}; producer errors ${JSON.stringify(summary.errors)}; recovery: from CONFIG SET maxmemory 0 to first ack`,
      { offered: 1, acked: probe.status === 202 ? 1 : 0 },
    );
    recordRow(row);
    expect(system.server.child.exitCode, 'server process must not crash').toBeNull();
    expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
    expect([503, 429], `probe answered ${probe.status} ${probeBody}`).toContain(probe.status);
    expect(probe.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(summary.errors['status-503'] ?? 0, describeSummary(summary)).toBeGreaterThan(0);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });
});
