// System 2, 10,000 idle ingest connections opened and then dropped all at once, beside a steady
// load: the server keeps answering, its memory stays bounded, and the load's counts stay exact.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MB, openFilesLimit, rssBytes, sampleRss } from './support/node-app.js';
import { systemPresent } from './support/paths.js';
import { rawWsConnect } from './support/raw-ws.js';
import { describeSummary, reconcile } from './support/recovery.js';
import { waitDrained } from './support/stats.js';
import { startSteadyLoad } from './support/steady-load.js';
import { type System2, startSystem2 } from './support/system2.js';
import { recordRow } from './support/table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WANTED = 10_000;
/** Bytes of server RSS an idle connection may cost (measured figure is about 6–8 KB). */
const PER_CONNECTION_BUDGET = 30 * 1024;

/** Longest /healthz answer time while `during` runs, probing every 100 ms. */
async function worstHealthz(baseUrl: string, during: Promise<unknown>): Promise<number> {
  let worst = 0;
  let done = false;
  void during.finally(() => {
    done = true;
  });
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
    worst = Math.max(worst, performance.now() - started);
    await sleep(100);
  }
  await during;
  return Math.round(worst);
}

describe.skipIf(!systemPresent('ws'))('System 2: connection storms', () => {
  let system: System2 | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('10,000 idle ingest connections opened and dropped at once', async () => {
    // this process holds one end of every connection, the server the other; each needs a file each
    const ownLimit = openFilesLimit();
    const count = Math.min(WANTED, ownLimit - 1000);
    system = await startSystem2({ nofile: 65_536 });
    const serverLimit = openFilesLimit(system.server.child.pid ?? 'self');
    const target = Math.min(count, serverLimit - 1000);
    const load = startSteadyLoad({ target: 'ws', url: system.wsUrl, prefix: 'f-s2-idle', rate: 1000 });
    await load.waitAcked(1000);
    const baseline = rssBytes(system.server.child.pid) ?? 0;
    const rss = sampleRss(system.server.child.pid);
    const sockets: Socket[] = [];
    const statuses: Record<string, number> = {};
    const opening = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 250 }, async () => {
          while (next < target) {
            next++;
            try {
              const ws = await rawWsConnect(system!.port, '/ingest', {}, 20_000);
              const code = ws.status.split(' ')[1] ?? '?';
              statuses[code] = (statuses[code] ?? 0) + 1;
              sockets.push(ws.socket);
            } catch (error) {
              const kind = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
              statuses[kind] = (statuses[kind] ?? 0) + 1;
            }
          }
        }),
      );
    })();
    const worstOpening = await worstHealthz(system.httpUrl, opening);
    const open = statuses['101'] ?? 0;
    await sleep(1000);
    const held = rssBytes(system.server.child.pid) ?? 0;
    for (const socket of sockets) socket.destroy();
    const worstDropping = await worstHealthz(system.httpUrl, sleep(2000));
    const afterDrop = rssBytes(system.server.child.pid) ?? 0;
    const summary = await load.stop();
    rss.stop();
    const stats = await waitDrained(system.httpUrl);
    const scaled =
      target < WANTED
        ? ` (scaled down from ${WANTED}: open-files limit ${ownLimit} here, ${serverLimit} server)`
        : '';
    const row = reconcile(
      'System 2',
      `${open} idle ingest connections opened, then dropped at once${scaled}`,
      summary,
      stats,
      Math.round(worstDropping),
      `handshakes ${JSON.stringify(statuses)}; server RSS ${Math.round(baseline / MB)} MB → ${Math.round(held / MB)} MB held (peak ${Math.round(rss.peak() / MB)} MB, ${Math.round(afterDrop / MB)} MB 2 s after the drop, ${Math.round((held - baseline) / Math.max(1, open))} B/conn); worst /healthz ${worstOpening} ms while opening, ${worstDropping} ms after the drop; recovery column = worst /healthz after the drop`,
    );
    recordRow(row);
    expect(system.server.child.exitCode).toBeNull();
    expect(open).toBeGreaterThanOrEqual(Math.floor(target * 0.99));
    expect(rss.peak() - baseline).toBeLessThan(target * PER_CONNECTION_BUDGET + 100 * MB);
    expect(worstDropping).toBeLessThan(5000);
    expect(summary.samples.failed, describeSummary(summary)).toBe(0);
    expect(stats.accepted).toBe(summary.samples.acknowledged);
    expect(row.lost).toBe(0);
    expect(row.duplicated).toBe(0);
  });
});
