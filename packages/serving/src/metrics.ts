// One Prometheus vocabulary for both systems: a registry per process with `system` on every series,
// Node's standard metrics unprefixed, and the shared families under the same names. Counts are read
// from the system at scrape time (plain numbers on its hot path), so ingest pays nothing for them.
// A system adds its own families to `registry` (names start with `ingest_`, counters end in `_total`,
// durations are in `_seconds`).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { REFUSAL_REASONS, type ServedSystem } from './served-system.js';

/** The family names both systems expose, for tests and dashboards. */
export const SHARED_METRIC_FAMILIES = [
  'ingest_accepted_samples_total',
  'ingest_rejected_batches_total',
  'ingest_duplicate_batches_total',
  'ingest_windows_published_total',
  'ingest_live_viewers',
  'ingest_live_dropped_frames_total',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_seconds',
] as const;

export interface ServingMetricsOptions {
  /** Node's standard process metrics (CPU, memory, event loop lag). Default true; tests may turn them off. */
  defaultMetrics?: boolean;
}

/** What the shared families read, at scrape time. */
export type MetricsSource = Pick<ServedSystem, 'name' | 'hub' | 'counters'>;

/** A counter whose value is kept elsewhere and copied in at scrape time. */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A registry for one process: `system` on every series, Node's standard metrics unprefixed. */
export function processRegistry(system: string, options: ServingMetricsOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ system });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  return registry;
}

export class ServingMetrics {
  readonly registry: Registry;

  constructor(system: MetricsSource, options: ServingMetricsOptions = {}) {
    this.registry = processRegistry(system.name, options);
    const registry = this.registry;
    const counters = () => system.counters();
    const hub = () => system.hub;
    mirroredCounter(
      registry,
      'ingest_accepted_samples_total',
      'Samples acknowledged by this process (repeats not counted again)',
      () => counters().acceptedSamples,
    );
    new Counter({
      name: 'ingest_rejected_batches_total',
      help: 'Batches (and ingest connections) refused by this process, by reason',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        const rejected = counters().rejectedBatches;
        for (const reason of REFUSAL_REASONS)
          if (rejected[reason] > 0) this.inc({ reason }, rejected[reason]);
      },
    });
    mirroredCounter(
      registry,
      'ingest_duplicate_batches_total',
      'Batches this process recognised as repeats of a known (producer, seq)',
      () => counters().duplicateBatches,
    );
    mirroredCounter(
      registry,
      'ingest_windows_published_total',
      'Windows this process closed and published',
      () => counters().windowsPublished,
    );
    new Gauge({
      name: 'ingest_live_viewers',
      help: 'Dashboard viewers connected to this process, by transport',
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        const stats = hub().stats();
        this.set({ transport: 'ws' }, stats.wsViewers);
        this.set({ transport: 'sse' }, stats.sseViewers);
      },
    });
    mirroredCounter(
      registry,
      'ingest_live_dropped_frames_total',
      'Frames skipped for slow viewers',
      () => hub().droppedFrames,
    );
  }
}
