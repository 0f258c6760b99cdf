// System 1, a worker too slow for the load: System 1 has no knob to slow folding, so the workers are
// stopped (the slowest a worker can be). The queue grows to QUEUE_MAX_DEPTH, ingest sheds with
// 429/503 and retry-after, producers keep their batches, and when a worker is back nothing is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { systemPresent } from './support/paths.js';
import { describeSummary, reconcile, timeRecovery } from './support/recovery.js';
import { getStats, waitDrained, waitStats } from './support/stats.js';
import { startSteadyLoad } from './support/steady-load.js';
import { type System1, startSystem1 } from './support/system1.js';
import { recordRow } from './support/table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_DEPTH = 200;

describe.skipIf(!systemPresent('http'))('System 1: overload', () => {
  let system: System1 | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('workers stopped: the queue fills to its limit, ingest sheds with retry-after, then recovers with 0 lost', async () => {
    system = await startSystem1({ workers: 1, env: { QUEUE_MAX_DEPTH: String(MAX_DEPTH) } });
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-slow', rate: 1000 });
    await load.waitAcked(2000);
    await Promise.all(system.workers.map((w) => w.stop(10_000)));
    const full = await waitStats(
      system.httpUrl,
      (s) => s.queueDepth >= MAX_DEPTH,
      30_000,
      'the queue to fill',
    );
    await sleep(2000);
    const probe = await fetch(`${system.httpUrl}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        producer: 'f-s1-slow-probe',
        seq: 0,
        samples: [{ host: 'h', ts: Date.now(), cpu: 1, mem: 1, disk: 1, netIn: 1, netOut: 1 }],
      }),
    });
    await probe.arrayBuffer();
    const peak = await getStats(system.httpUrl);
    const downAt = performance.now();
    system.startWorker();
    const t0 = performance.now();
    const recoveryMs = await timeRecovery(load, system.httpUrl, t0, peak.accepted, downAt);
    await sleep(2000);
    const summary = await load.stop();
    const stats = await waitDrained(system.httpUrl, 90_000);
    const row = reconcile(
      'System 1',
      `workers stopped 4 s (QUEUE_MAX_DEPTH ${MAX_DEPTH})`,
      summary,
      stats,
      recoveryMs,
      `queue peaked at ${Math.max(full.queueDepth, peak.queueDepth)} batches; shed answers: ${JSON.stringify(summary.errors)}; probe → ${probe.status} retry-after ${probe.headers.get('retry-after')}; recovery: worker start to backlog aggregated`,
      { offered: 1, acked: probe.status === 202 ? 1 : 0 },
    );
    recordRow(row);
    expect([429, 503]).toContain(probe.status);
    expect(probe.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((summary.errors['status-429'] ?? 0) + (summary.errors['status-503'] ?? 0)).toBeGreaterThan(0);
    expect(summary.errors['status-500'] ?? 0).toBe(0);
    expect(peak.queueDepth).toBeLessThanOrEqual(MAX_DEPTH + 256); // one group commit may cross the line
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });
});
