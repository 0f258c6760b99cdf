// One measured run: drive one target at one step with the project's producers for the set time,
// watching processes and viewers, then drain, reconcile and turn it all into a PointRun. CPU is
// averaged over the steady part (after a fleet's connection ramp); RSS growth is divided by the
// run's connections.
import { Histogram } from '@ingestlab/aggregation';
import {
  type ConnectionModel,
  type LoadProgress,
  type LoadSummary,
  type Target,
  runLoad,
} from '@ingestlab/producers';
import type { SeriesName } from './options.js';
import { watchProcesses } from './proc-stats.js';
import { readStats, reconcile, waitDrained } from './reconcile.js';
import type { GeneratorFigures, LagFigures, PointRun, TargetName } from './results.js';
import type { ViewerWindow } from './viewer-protocol.js';
import type { Viewers } from './viewers.js';

export interface PointSpec {
  target: TargetName;
  series: SeriesName;
  batchSize: number;
  /** Samples per second the step asks for (hosts / interval). */
  offeredRate: number;
  repeat: number;
  /** Sending time after the ramp, seconds. */
  durationS: number;
  hosts: number;
  /** Each host's sample interval, ms. */
  intervalMs: number;
  seed: number;
  /** `per-host`, or a number of pooled connections. */
  connections: ConnectionModel;
  /** Connections opened per second while ramping (per host). */
  connectRate?: number;
  loadThreads: number | 'auto';
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
  /**
   * RSS (MiB) of each process before its ladder's first step: growth is counted from there, since
   * memory a process took for an earlier, smaller step is seldom given back and would hide the cost.
   */
  rssBaseline?: Record<string, number>;
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
  'http1+msgpack': 'http1',
  'ws+msgpack': 'ws',
};

/** How a target's batches go on the wire: MessagePack for the `+msgpack` pipelines, else JSON. */
const encodingOf = (target: TargetName) => (target.endsWith('+msgpack') ? 'msgpack' : 'json');

export async function runPoint(spec: PointSpec, context: PointContext): Promise<PointRun> {
  const unit = spec.target.startsWith('bare-') ? 'batches' : 'samples';
  const before = await readStats(spec.statsUrl);
  const watch = watchProcesses({ ...context.pids, 'load-generator': process.pid });
  const startedAt = Date.now();
  let steadyFrom = startedAt;
  let steadyTimer: NodeJS.Timeout | undefined;
  const summary: LoadSummary = await runLoad({
    target: WIRE[spec.target],
    encoding: encodingOf(spec.target),
    url: spec.url,
    hosts: spec.hosts,
    intervalMs: spec.intervalMs,
    batchSize: spec.batchSize,
    durationMs: spec.durationS * 1000,
    seed: spec.seed,
    workers: spec.loadThreads,
    connections: spec.connections,
    ...(spec.connectRate ? { connectRate: spec.connectRate } : {}),
    producerPrefix: spec.producerPrefix,
    insecure: true,
    signal: context.signal,
    // CPU of the steady part: a fleet's ramp (thousands of handshakes) is not what a step measures
    onBegin: ({ startEpoch, rampMs }) => {
      steadyFrom = startEpoch + rampMs;
      steadyTimer = setTimeout(() => watch.restartCpu(), Math.max(0, steadyFrom - Date.now()));
    },
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
  });
  clearTimeout(steadyTimer);
  const processes = watch.stop();
  const sendingEnded = startedAt + summary.elapsedMs;
  const counts = unit === 'samples' ? summary.samples : summary.batches;
  const drainTimeoutMs = Math.max(60_000, 6 * spec.durationS * 1000);
  const drain = await waitDrained(
    spec.statsUrl,
    before,
    counts.acknowledged - counts.duplicates,
    drainTimeoutMs,
  );
  const reconciliation = reconcile(summary, before, drain.stats, drain, unit);

  let lag: LagFigures | null = null;
  if (context.viewers && spec.viewedSystem) {
    // the last window holding this run's samples closes up to one window (plus publish grace) later
    const until = Math.max(sendingEnded, Date.now() - 1000) + 2 * spec.windowMs + 500;
    const wait = until + 300 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // windows of the steady part only: the ramp's first windows hold a fleet still connecting
    const windows = await context.viewers.windows(Math.max(startedAt, steadyFrom) + spec.windowMs, until);
    lag = lagFigures(
      windows.filter((w) => w.system === spec.viewedSystem && w.samples > 0),
      spec.windowMs,
      context.viewerCount,
    );
  }

  const connections = summary.connections;
  const rssPerConnectionKiB: Record<string, number> = {};
  for (const [name, usage] of Object.entries(processes)) {
    rssPerConnectionKiB[name] =
      Math.round(((usage.rssMaxMiB - usage.rssStartMiB) * 1024 * 10) / connections) / 10;
  }
  const p = summary.latencyMs.fromSchedule;
  return {
    target: spec.target,
    series: spec.series,
    batchSize: spec.batchSize,
    offeredRate: spec.offeredRate,
    hosts: spec.hosts,
    connectionModel: summary.connectionModel,
    connections,
    repeat: spec.repeat,
    durationS: Math.round(summary.steadyMs / 100) / 10,
    achievedRate: summary.rates.acknowledgedPerSec,
    encoding: summary.encoding,
    bodyBytesPerSample: summary.bodyBytes.perSample,
    sentRate: summary.rates.sentPerSec,
    ackedShare: summary.ackedShare,
    latencyMs: { p50: p.p50, p95: p.p95, p99: p.p99, max: p.max },
    serviceMs: { p50: summary.latencyMs.service.p50, p99: summary.latencyMs.service.p99 },
    generator: generatorFigures(summary),
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
    rssPerConnectionKiB,
    aborted: summary.stoppedBy === 'abort',
  };
}

function generatorFigures(summary: LoadSummary): GeneratorFigures {
  const g = summary.generator;
  return {
    bound: g.bound,
    late: g.late,
    reasons: g.reasons,
    cpuPercent: g.cpuPercent,
    threads: g.threads,
    eventLoopUtilization: g.eventLoopUtilization,
    scheduleLagP99Ms: g.scheduleLagMs.p99,
    missedLate: g.missedLate,
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
  // every viewer's delay for every window of the run, in one histogram
  const delivery = new Histogram();
  for (const w of windows) if (w.delays) delivery.merge(Histogram.fromSnapshot(w.delays));
  const [d50, d99] = delivery.count ? delivery.quantiles([0.5, 0.99]) : [null, null];
  const added = windows
    .filter((w) => w.lagP99 !== null && w.delayP99 !== null)
    .map((w) => Math.max(0, (w.lagP99 ?? 0) - windowMs) + (w.delayP99 ?? 0));
  const round = (v: number | null | undefined) =>
    v === null || v === undefined ? null : Math.round(v * 10) / 10;
  return {
    windows: windows.length,
    lagP50: med(lag50),
    lagP99: lag99.length ? Math.max(...lag99) : null,
    deliveryP50: round(d50),
    deliveryP99: round(d99),
    addedP99: added.length ? Math.round(Math.max(...added)) : null,
    minReceivedBy: Math.min(...windows.map((w) => w.receivedBy)),
    viewers,
  };
}
