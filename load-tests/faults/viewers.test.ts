// Both systems, abusive dashboard viewers beside a steady load: a flood of thousands of /live and SSE
// connects and disconnects, slow-loris handshakes, and viewers that never read. Ingest counts stay
// exact, server memory stays bounded, and well-behaved viewers keep receiving windows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '@ingestlab/producers';
import type { ManagedProcess } from '@ingestlab/devkit';
import { MB, rssBytes, sampleRss } from './support/node-app.js';
import { systemPresent } from './support/paths.js';
import { describeSummary } from './support/recovery.js';
import { getStats, waitDrained } from './support/stats.js';
import { startSteadyLoad } from './support/steady-load.js';
import { startSystem1 } from './support/system1.js';
import { startSystem2 } from './support/system2.js';
import { type FaultRow, recordRow } from './support/table.js';
import {
  type LiveViewer,
  liveViewer,
  neverReaders,
  slowLoris,
  sseViewer,
  viewerFlood,
} from './support/viewers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Server RSS growth allowed during a viewer case. */
const RSS_BUDGET = 300 * MB;

interface Subject {
  label: FaultRow['system'];
  httpUrl: string;
  port: number;
  ingestUrl: string;
  target: Target;
  server: () => ManagedProcess;
  stop(): Promise<void>;
}

const SUBJECTS: { name: string; present: boolean; start: () => Promise<Subject> }[] = [
  {
    name: 'System 1',
    present: systemPresent('http'),
    async start() {
      const s = await startSystem1({ workers: 1 });
      return {
        label: 'System 1',
        httpUrl: s.httpUrl,
        port: Number(new URL(s.httpUrl).port),
        ingestUrl: s.httpUrl,
        target: 'http1',
        server: () => s.server,
        stop: () => s.stop(),
      };
    },
  },
  {
    name: 'System 2',
    present: systemPresent('ws'),
    async start() {
      const s = await startSystem2({ nofile: 65_536 });
      return {
        label: 'System 2',
        httpUrl: s.httpUrl,
        port: s.port,
        ingestUrl: s.wsUrl,
        target: 'ws',
        server: () => s.server,
        stop: () => s.stop(),
      };
    },
  },
];

for (const subject of SUBJECTS) {
  describe.skipIf(!subject.present)(`${subject.name}: abusive viewers`, () => {
    let sys: Subject;
    let good: LiveViewer[] = [];
    beforeAll(async () => {
      sys = await subject.start();
      good = [liveViewer(sys.httpUrl), sseViewer(sys.httpUrl)];
      await Promise.all(good.map((v) => v.ready));
    });
    afterAll(async () => {
      for (const v of good) v.close();
      await sys?.stop();
    });

    /** Runs `abuse` beside a steady load and checks counts, memory and the good viewers. */
    async function underLoad(name: string, abuse: () => Promise<string>): Promise<void> {
      const start = await waitDrained(sys.httpUrl);
      const pid = sys.server().child.pid;
      const baseline = rssBytes(pid) ?? 0;
      const rss = sampleRss(pid);
      const load = startSteadyLoad({
        target: sys.target,
        url: sys.ingestUrl,
        prefix: `f-view-${subject.name.replace(' ', '')}-${name.split(' ')[0]}`,
        rate: 1000,
      });
      await load.waitAcked(1000);
      const windowsBefore = good.map((v) => v.tally.windows.size);
      const t0 = performance.now();
      const detail = await abuse();
      const elapsed = performance.now() - t0;
      const windowsDuring = good.map((v, i) => v.tally.windows.size - (windowsBefore[i] ?? 0));
      const silentFor = good.map((v) => Math.round(performance.now() - v.tally.lastFrameAt));
      const summary = await load.stop();
      rss.stop();
      const end = await waitDrained(sys.httpUrl, 90_000);
      const accepted = end.accepted - start.accepted;
      const aggregated = end.aggregated - start.aggregated;
      const acked = summary.samples.acknowledged;
      recordRow({
        system: sys.label,
        case: name,
        offered: summary.samples.sent,
        acked,
        aggregated,
        lost: Math.max(0, acked - aggregated),
        duplicated: Math.max(0, accepted - acked),
        recoveryMs: null,
        note: `${detail}; good WS/SSE viewers got ${windowsDuring.join('/')} windows in ${(elapsed / 1000).toFixed(1)} s; server RSS ${Math.round(baseline / MB)} → peak ${Math.round(rss.peak() / MB)} MB`,
      });
      expect(sys.server().child.exitCode, 'server must not crash').toBeNull();
      expect(summary.samples.failed, describeSummary(summary)).toBe(0);
      expect(accepted).toBe(acked);
      expect(aggregated).toBe(acked);
      expect(rss.peak() - baseline).toBeLessThan(RSS_BUDGET);
      // the well-behaved viewers kept receiving windows throughout
      const expectedWindows = Math.floor(elapsed / 1000) - 2;
      for (const count of windowsDuring) expect(count).toBeGreaterThanOrEqual(Math.max(1, expectedWindows));
      for (const silence of silentFor) expect(silence).toBeLessThan(6000);
      await getStats(sys.httpUrl); // still answering
    }

    it('viewer flood: thousands of /live and SSE connects and disconnects', async () => {
      await underLoad('viewer flood (4,000 connect/disconnect)', async () => {
        const result = await viewerFlood(sys.httpUrl, 4000, 200);
        expect(result.greeted).toBeGreaterThanOrEqual(3900);
        return `flood: ${result.greeted} greeted, ${result.failed} failed ${JSON.stringify(result.failures)}`;
      });
    });

    it('slow-loris viewers dribbling their handshake', async () => {
      await underLoad('slow-loris viewers (500, 1 byte / 500 ms)', async () => {
        const loris = slowLoris(sys.port, 500, 500);
        await sleep(8000);
        // a fresh viewer still gets in while the slow handshakes hang
        const fresh = liveViewer(sys.httpUrl);
        await fresh.ready;
        fresh.close();
        // the servers cut a request whose headers are not complete after 10 s (checked every second)
        const started = Date.now() - 8000;
        while (loris.closedByServer() < 500 && Date.now() - started < 16_000) await sleep(250);
        const closed = loris.closedByServer();
        const after = ((Date.now() - started) / 1000).toFixed(1);
        loris.destroy();
        expect(closed, 'every slow-loris handshake is cut by the header timeout').toBe(500);
        return `slow-loris: ${closed} of 500 closed by the server after ${after} s (header timeout 10 s)`;
      });
    });

    it('viewers that never read', async () => {
      await underLoad('never-reading viewers (500 on /live)', async () => {
        const stuck = await neverReaders(sys.port, 500);
        await sleep(8000);
        const closed = stuck.closedByServer();
        stuck.destroy();
        return `never-readers: ${closed} of 500 closed by the server within 8 s`;
      });
    });
  });
}
