// One System 2 crash under a steady end-to-end load (producers keep what is not committed, the
// server has a DATA_DIR), measured exactly: the samples in every window a /live viewer saw across
// both lives (by window start: the restarted life puts its last recorded windows back in its history,
// so a window may be seen twice and is counted once) against what the producers saw acknowledged.
// The crash is a kill -9 from outside, or the server's own test hook (TEST_CRASH_AT).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@ingestlab/devkit';
import type { LoadSummary } from '@ingestlab/producers';
import type { Stats, Window } from '@ingestlab/metric-schema';
import { waitDrained } from './stats.js';
import { startSteadyLoad } from './steady-load.js';
import { type System2, startSystem2 } from './system2.js';
import { liveViewer, samplesSeen } from './viewers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type CrashKind = 'kill -9' | 'after-watermark' | 'after-publish';

export interface EndToEndCrash {
  summary: LoadSummary;
  /** The restarted life's /stats once drained. */
  stats: Stats;
  /** Samples in windows the viewers saw, each window once. */
  seen: number;
  /** Seen by the first life's viewer, and by the second's (its snapshot included). */
  seenBefore: Map<number, Window>;
  seenAfter: Map<number, Window>;
  /** The watermark file as the crash left it. */
  watermarkAtCrash: { current: { epoch: number; upTo: number | null }; windows: Window[] };
  /** From the crash to the first ack of the restarted life, ms. */
  recoveryMs: number;
}

export interface EndToEndCrashOptions {
  crash: CrashKind;
  prefix: string;
  rate: number;
  batchSize: number;
  connections: number;
}

export async function endToEndCrash(options: EndToEndCrashOptions): Promise<EndToEndCrash> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-s2-e2e-'));
  let system: System2 | undefined;
  try {
    // the hook: the third publication of a window with samples, about three seconds into the load
    const hook: Record<string, string> =
      options.crash === 'kill -9' ? {} : { TEST_CRASH_AT: `${options.crash}:3` };
    system = await startSystem2({ env: { DATA_DIR: dataDir, ...hook } });
    const before = liveViewer(system.httpUrl);
    await before.ready;
    const load = startSteadyLoad({
      target: 'ws',
      url: system.wsUrl,
      prefix: options.prefix,
      rate: options.rate,
      batchSize: options.batchSize,
      connections: options.connections,
      endToEnd: true,
    });
    if (options.crash === 'kill -9') {
      await load.waitAcked(3000);
      // half-way through a window, so the window that dies holds acknowledged batches
      await sleep(1000 - (Date.now() % 1000) + 500);
      await system.server.kill();
    } else {
      await Promise.race([
        system.server.exited,
        sleep(60_000).then(() => {
          throw new Error(`the ${options.crash} hook did not fire within 60 s`);
        }),
      ]);
    }
    const crashedAt = performance.now();
    const watermarkAtCrash = JSON.parse(readFileSync(join(dataDir, 'watermark.json'), 'utf8'));
    // the viewer's frames already in its socket are read before it is closed
    await sleep(200);
    before.close();
    await sleep(1000);
    const downAt = performance.now();
    const restartedAt = Date.now();
    await system.restart({ TEST_CRASH_AT: '' });
    const after = liveViewer(system.httpUrl);
    await after.ready;
    const ackBack = await load.ackResumedAfter(downAt);
    await sleep(3000);
    // stopping waits for every acknowledged batch to be committed (or counts it uncommitted)
    const summary = await load.stop();
    const stats = await waitDrained(system.httpUrl);
    const lifeStart = Math.floor(restartedAt / 1000) * 1000;
    await waitUntil(
      () => samplesSeen(after.tally, lifeStart) >= stats.aggregated,
      10_000,
      () => `viewer to see the ${stats.aggregated} samples of the second life`,
    );
    after.close();
    const union = new Map([...before.tally.windows, ...after.tally.windows]);
    let seen = 0;
    for (const window of union.values()) seen += window.samples;
    return {
      summary,
      stats,
      seen,
      seenBefore: before.tally.windows,
      seenAfter: after.tally.windows,
      watermarkAtCrash,
      recoveryMs: Math.round(ackBack - crashedAt),
    };
  } finally {
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The note of an end-to-end crash row: what the producers replayed and how the server judged it. */
export function endToEndNote(result: EndToEndCrash, what: string): string {
  const e = result.summary.endToEnd;
  return (
    `${what}; aggregated = samples in windows /live viewers saw over both lives, each window once; ` +
    `producers kept ${e?.retained.samples ?? 0}, replayed ${e?.replayed.samples ?? 0} after the restart ` +
    `(${e?.replayDuplicates.samples ?? 0} answered as duplicates: their window was published; ` +
    `${e?.refolded.samples ?? 0} folded again: their window died unpublished), ` +
    `${e?.uncommitted.samples ?? 0} never committed; second life's /stats: duplicates ${result.stats.duplicates}`
  );
}
