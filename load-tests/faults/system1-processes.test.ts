// System 1, process crashes under a steady HTTP load: kill -9 of a worker (another is started) and
// of the ingest server (restarted on the same ports). Acked samples must all be aggregated, once.
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@ingestlab/devkit';
import { systemPresent } from './support/paths.js';
import { arrayItems, redisCommand } from './support/redis-command.js';
import { describeSummary, reconcile, timeRecovery } from './support/recovery.js';
import { waitDrained } from './support/stats.js';
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

  it('kill -9 of a worker holding jobs mid-load loses nothing and counts nothing twice', async () => {
    system = await startSystem1({ workers: 1 });
    const redisUrl = system.redis.url;
    // BullMQ's own keys: {<KEY_PREFIX>:s1}:<QUEUE_NAME>:active and one hash per job (default names;
    // System 1's keys share one hash tag, BullMQ's prefix included)
    const queueKey = '{ingestlab:s1}:batches';
    const load = startSteadyLoad({ target: 'http1', url: system.httpUrl, prefix: 'f-s1-worker', rate: 1000 });
    await load.waitAcked(3000);
    const victim = system.workers[0];
    const pid = victim?.child.pid;
    if (!victim || pid === undefined) throw new Error('no worker to kill');
    // freeze the worker until it is caught holding jobs, so the kill really interrupts folding
    let held: string[] = [];
    for (let attempt = 0; attempt < 200 && held.length === 0; attempt++) {
      process.kill(pid, 'SIGSTOP');
      held = arrayItems(await redisCommand(redisUrl, ['LRANGE', `${queueKey}:active`, '0', '-1']));
      if (held.length === 0) {
        process.kill(pid, 'SIGCONT');
        await sleep(20);
      }
    }
    expect(held.length, 'the worker was never caught holding a job').toBeGreaterThan(0);
    const t0 = performance.now();
    await victim.kill();
    system.startWorker();
    // recovered when every job the dead worker held was run again and completed (removed)
    const recovery = (async () => {
      await waitUntil(
        async () => {
          for (const id of held) {
            if ((await redisCommand(redisUrl, ['EXISTS', `${queueKey}:${id}`])).startsWith(':1'))
              return false;
          }
          return true;
        },
        90_000,
        () => `jobs ${held.join(', ')} of the killed worker to complete`,
        100,
      );
      return Math.round(performance.now() - t0);
    })();
    await sleep(4000);
    const summary = await load.stop();
    const recoveryMs = await recovery;
    const stats = await waitDrained(system.httpUrl, 90_000);
    const row = reconcile(
      'System 1',
      'kill -9 the worker while it holds jobs (replacement started)',
      summary,
      stats,
      recoveryMs,
      `the worker was frozen (SIGSTOP) until caught holding ${held.length} job(s), then killed; recovery: until those jobs were run again by the new worker and completed (BullMQ lockDuration 15 s, stalledInterval 5 s)`,
    );
    recordRow(row);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
    expect(stats.accepted, describeSummary(summary)).toBe(summary.samples.acknowledged);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });

  it.each(['http1', 'h2c'] as const)(
    'kill -9 of the ingest server under %s producers: they retry, nothing acked is lost',
    async (target) => {
      system = await startSystem1({ workers: 1 });
      const load = startSteadyLoad({
        target,
        url: target === 'h2c' ? system.h2cUrl : system.httpUrl,
        prefix: `f-s1-server-${target}`,
        rate: 1000,
      });
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
        `kill -9 the ingest server under ${target} load (restarted after 1 s)`,
        summary,
        stats,
        recoveryMs,
        `recovery: kill to first ack on the new process; in-flight requests were retried with their seq (${summary.samples.duplicates} samples answered duplicate:true)`,
      );
      recordRow(row);
      expect(summary.samples.failed, describeSummary(summary)).toBe(0);
      expect(summary.errors['status-500'] ?? 0, describeSummary(summary)).toBe(0);
      expect(stats.accepted, describeSummary(summary)).toBe(summary.samples.acknowledged);
      expect(row.lost).toBe(0);
      expect(row.duplicated).toBe(0);
    },
  );
});
