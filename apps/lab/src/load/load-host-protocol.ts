// The messages between the lab and a load host (one child process per system, over Node's IPC
// channel), so each side reads the other's shapes from one place.
import type { FleetRunSpec, RunCounts } from './producers-adapter.js';

export type ToLoadHost =
  /** Start this run; a run already going is stopped first (it drains in the background). */
  | { type: 'start'; runId: number; spec: FleetRunSpec }
  /** Stop sending; the running run drains. */
  | { type: 'stop' };

export type FromLoadHost =
  | { type: 'ready'; pid: number }
  /**
   * Every 250 ms: totals over every run this host made (finished runs' summaries plus the running
   * ones' progress) and the probe's, as of `at` (epoch ms); `probe` lists [at, latency ms] of the
   * probe's acks since the previous report.
   */
  | {
      type: 'report';
      at: number;
      totals: RunCounts;
      running: number;
      draining: number;
      probe: [number, number][];
    }
  | { type: 'run-ended'; runId: number; counts: RunCounts; ackP99Ms: number | null; elapsedMs: number }
  | { type: 'run-failed'; runId: number; error: string };
