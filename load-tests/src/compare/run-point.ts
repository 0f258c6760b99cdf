// One measured run: drive one target at one rate with the project's producers for the set time,
// watching processes and viewers, then drain, reconcile and turn it all into a PointRun.
import { type LoadProgress, type LoadSummary, type Target, runLoad } from '@ingestlab/producers';
import type { SeriesName } from './options.js';
import { watchProcesses } from './proc-stats.js';
import { readStats, reconcile, waitDrained } from './reconcile.js';
import type { LagFigures, PointRun, TargetName } from './results.js';
import type { Viewers } from './viewers.js';
import type { ViewerWindow } from './viewer-protocol.js';

export interface PointSpec {
  target: TargetName;
  series: SeriesName;
  batchSize: number;
  offeredRate: number;
  repeat: number;
  durationS: number;
  hosts: number;
  seed: number;
  connections: number;
  loadThreads: number;
  /** Producer name prefix, unique per run so seqs never collide with an earlier run. */
  producerPrefix: string;
  /** Where the producers send. */
  url: string;
  /** Where /stats is read. */
  statsUrl: string;
  /** Viewer label of the system under load (system1, system2), or null for a baseline. */
  viewedSystem: string | null;
  windowMs: number;
}

export interface PointContext {
  pids: Record<string, number>;
  viewers: Viewers | null;
  viewerCount: number;
  signal: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
}

const WIRE: Record<TargetName, Target> = {
  'bare-http': 'http1',
  http1: 'http1',
  h2c: 'h2c',
  h2: 'h2',
  'bare-ws': 'ws',
  ws: 'ws',
};

export async function runPoint(spec: PointSpec, context: PointContext): Promise<PointRun> {
  const unit = spec.target.startsWith('bare-') ? 'batches' : 'samples';
  const before = await readStats(spec.statsUrl);
  const watch = watchProcesses({ ...context.pids, 'load-generator': process.pid });
  const startedAt = Date.now();
  const summary: LoadSummary = await runLoad({
    target: WIRE[spec.target],
    url: spec.url,
    hosts: spec.hosts,
    // the open model's rate is hosts / interval: the same hosts everywhere, the interval sets the step
    intervalMs: (spec.hosts * 1000) / spec.offeredRate,
    batchSize: spec.batchSize,
    durationMs: spec.durationS * 1000,
    seed: spec.seed,
    workers: spec.loadThreads,
    connections: spec.connections,
    producerPrefix: spec.producerPrefix,
    insecure: true,
    signal: context.signal,
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
  });
  const processes = watch.stop();
  const sendingEnded = startedAt + summary.elapsedMs;
  const unique = (unit === 'samples' ? summary.samples : summary.batches).acknowledged;
  const dup = (unit === 'samples' ? summary.samples : summary.batches).duplicates;
  const drainTimeoutMs = Math.max(60_000, 6 * spec.durationS * 1000);
  const drain = await waitDrained(spec.statsUrl, before, unique - dup, drainTimeoutMs);
  const reconciliation = reconcile(summary, before, drain.stats, drain, unit);

  let lag: LagFigures | null = null;
  if (context.viewers && spec.viewedSystem) {
    // the last window holding this run's samples closes up to one window (plus publish grace) later
    const until = sendingEnded + 2 * spec.windowMs + 500;
    const wait = until + 300 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const windows = await context.viewers.windows(startedAt + spec.windowMs, until);
    lag = lagFigures(
      windows.filter((w) => w.system === spec.viewedSystem && w.samples > 0),
      spec.windowMs,
      context.viewerCount,
    );
  }

  const p = summary.latencyMs;
  return {
    target: spec.target,
    series: spec.series,
    batchSize: spec.batchSize,
    offeredRate: spec.offeredRate,
    repeat: spec.repeat,
    durationS: Math.round(summary.elapsedMs / 100) / 10,
    achievedRate: summary.rates.acknowledgedPerSec,
    sentRate: summary.rates.sentPerSec,
    latencyMs: { p50: p.p50, p95: p.p95, p99: p.p99, max: p.max },
    samples: {
      sent: summary.samples.sent,
      acknowledged: summary.samples.acknowledged,
      duplicates: summary.samples.duplicates,
      refused: summary.samples.refused,
      failed: summary.samples.failed,
      missed: summary.samples.missed,
    },
    retries: summary.retries,
    errors: summary.errors,
    lag,
    reconciliation,
    processes,
    aborted: summary.stoppedBy === 'abort',
  };
}

export function lagFigures(windows: ViewerWindow[], windowMs: number, viewers: number): LagFigures | null {
  if (windows.length === 0) return null;
  const med = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null;
  };
  const known = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
  const lag50 = known(windows.map((w) => w.lagP50));
  const lag99 = known(windows.map((w) => w.lagP99));
  const d50 = known(windows.map((w) => w.delayP50));
  const d99 = known(windows.map((w) => w.delayP99));
  const added = windows
    .filter((w) => w.lagP99 !== null && w.delayP99 !== null)
    .map((w) => Math.max(0, (w.lagP99 ?? 0) - windowMs) + (w.delayP99 ?? 0));
  return {
    windows: windows.length,
    lagP50: med(lag50),
    lagP99: lag99.length ? Math.max(...lag99) : null,
    deliveryP50: med(d50),
    deliveryP99: d99.length ? Math.max(...d99) : null,
    addedP99: added.length ? Math.round(Math.max(...added)) : null,
    minReceivedBy: Math.min(...windows.map((w) => w.receivedBy)),
    viewers,
  };
}
