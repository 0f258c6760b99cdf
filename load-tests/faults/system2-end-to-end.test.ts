// System 2 with end-to-end acknowledgements, crashed by its own test hook (TEST_CRASH_AT) at the two
// points between the durable watermark write, the publication and the commit frames, under a steady
// end-to-end load, then restarted with the same DATA_DIR: neither loses nor counts anything twice.
// (kill -9 from outside, both ways, is in system2-crash.test.ts.)
import { describe, expect, it } from 'vitest';
import { endToEndCrash, endToEndNote } from './support/end-to-end-crash.js';
import { systemPresent } from './support/paths.js';
import { describeSummary } from './support/recovery.js';
import { recordRow } from './support/table.js';

const RATE = 1000;
const BATCH = 10;
const CONNECTIONS = 4;

describe.skipIf(!systemPresent('ws'))('System 2, end-to-end: a crash at each point of a publication', () => {
  for (const point of ['after-watermark', 'after-publish'] as const) {
    const what =
      point === 'after-watermark'
        ? 'between the watermark write and the publication'
        : 'between the publication and the commit';
    it(`a crash ${what}: nothing lost, nothing counted twice`, async () => {
      const result = await endToEndCrash({
        crash: point,
        prefix: `f-s2-e2e-${point}`,
        rate: RATE,
        batchSize: BATCH,
        connections: CONNECTIONS,
      });
      const { summary, seen } = result;
      const acked = summary.samples.acknowledged;
      const recorded = result.watermarkAtCrash.windows.at(-1);
      recordRow({
        system: 'System 2',
        case: `crash ${what} (test hook TEST_CRASH_AT=${point}:3), end-to-end acknowledgements`,
        offered: summary.samples.sent,
        acked,
        aggregated: seen,
        lost: Math.max(0, acked - seen),
        duplicated: Math.max(0, seen - acked),
        recoveryMs: result.recoveryMs,
        note: endToEndNote(
          result,
          `the window recorded at the crash (${recorded?.samples ?? 0} samples) was ${result.seenBefore.has(recorded?.start ?? -1) ? '' : 'not '}seen by the first life's viewer and is in the second life's history`,
        ),
      });
      expect(recorded, 'the crash came after a recorded publication').toBeDefined();
      expect(recorded!.samples).toBeGreaterThan(0);
      expect(result.watermarkAtCrash.current.upTo).toBe(recorded!.end);
      if (point === 'after-watermark') expect(result.seenBefore.has(recorded!.start)).toBe(false);
      // the restarted life put the recorded window back: viewers get it, once
      expect(result.seenAfter.get(recorded!.start)?.samples).toBe(recorded!.samples);
      // its batches were acknowledged but never committed: sent again, and answered as duplicates
      expect(summary.endToEnd?.replayDuplicates.samples).toBeGreaterThan(0);
      expect(result.stats.duplicates).toBeGreaterThanOrEqual(summary.endToEnd?.replayDuplicates.batches ?? 0);
      expect(summary.samples.failed, describeSummary(summary)).toBe(0);
      expect(summary.endToEnd?.uncommitted.batches).toBe(0);
      expect(seen).toBe(acked);
    });
  }
});
