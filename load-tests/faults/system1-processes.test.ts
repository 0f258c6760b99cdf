// System 1, process crashes under a steady HTTP load: kill -9 of a worker (another is started) and
// of the ingest server (restarted on the same ports). Acked samples must all be aggregated, once.
import { afterEach, describe, expect, it } from 'vitest';
import { systemPresent } from './support/paths.js';
import { describeSummary, reconcile, timeRecovery } from './support/recovery.js';
import { getStats, waitDrained } from './support/stats.js';
import { startSteadyLoad } from './support/steady-load.js';
import { type System1, startSystem1 } from './support/system1.js';
import { recordRow } from './support/table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!systemPresent('http'))('System 1: process crashes', () => {
  let system: System1 | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('kill -9 of a worker mid-load loses nothing and counts nothing twice', async () => {
    system = await startSystem1({ workers: 2 });
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-worker', rate: 1000 });
    await load.waitAcked(3000);
    const before = await getStats(system.httpUrl);
    const victim = system.workers[0];
    expect(victim).toBeDefined();
    const t0 = performance.now();
    await victim?.kill();
    system.startWorker();
    const recovery = timeRecovery(load, system.httpUrl, t0, before.accepted);
    await sleep(4000);
    const summary = await load.stop();
    const recoveryMs = await recovery;
    const stats = await waitDrained(system.httpUrl, 90_000);
    const row = reconcile(
      'System 1',
      'kill -9 a worker (replacement started)',
      summary,
      stats,
      recoveryMs,
      "recovery: until every sample acked before the kill was aggregated (the killed worker's jobs re-run after their lock expires)",
    );
    recordRow(row);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(stats.accepted, describeSummary(summary)).toBe(summary.samples.acknowledged);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });

  it('kill -9 of the ingest server: producers retry, nothing acked is lost', async () => {
    system = await startSystem1({ workers: 1 });
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-server', rate: 1000 });
    await load.waitAcked(3000);
    await system.server.kill();
    const t0 = performance.now();
    await sleep(1000); // producers see refused connections and back off meanwhile
    const downAt = performance.now();
    await system.restartServer();
    const recoveryMs = await timeRecovery(load, system.httpUrl, t0, 0, downAt);
    await sleep(3000);
    const summary = await load.stop();
    const stats = await waitDrained(system.httpUrl);
    const row = reconcile(
      'System 1',
      'kill -9 the ingest server (restarted after 1 s)',
      summary,
      stats,
      recoveryMs,
      `recovery: kill to first ack on the new process; in-flight requests were retried with their seq (${summary.samples.duplicates} samples answered duplicate:true)`,
    );
    recordRow(row);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(stats.accepted, describeSummary(summary)).toBe(summary.samples.acknowledged);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });
});
