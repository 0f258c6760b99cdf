// The one file that knows @ingestlab/producers' API: a lab fleet run (hosts, rate, batch, transport,
// connection model, incidents) as runLoad options, its progress and summary as the lab's counts,
// and the ack probe's sender. When the producers' API changes, this file is what changes.
import {
  createBatchStream,
  createFleet,
  createTransport,
  emptyCounters,
  type IncidentSchedule,
  type LoadOptions,
  type LoadProgress,
  type LoadSummary,
  runLoad,
  type Target,
} from '@ingestlab/producers';

/** Producer counts the lab keeps, in samples. */
export interface RunCounts {
  sent: number;
  acknowledged: number;
  refused: number;
  failed: number;
  missed: number;
  retries: number;
  /** Batches sent and not settled yet. */
  inFlight: number;
}

export const ZERO_COUNTS: RunCounts = {
  sent: 0,
  acknowledged: 0,
  refused: 0,
  failed: 0,
  missed: 0,
  retries: 0,
  inFlight: 0,
};

export interface FleetIncident {
  kind: 'cpu-spike' | 'network-storm';
  /** Offset from the fleet's start time, ms. */
  atMs: number;
  durationMs: number;
}

export interface FleetRunSpec {
  target: Target;
  /** Base URL of the system for this target. */
  url: string;
  hosts: number;
  /** One host's interval between samples, ms. */
  intervalMs: number;
  batch: number;
  connections: 'per-host' | number;
  /** ws only: end-to-end acknowledgements (keep each acked batch until committed, replay the rest). */
  endToEnd: boolean;
  seed: number;
  /** Unique per run (the systems remember `(producer, seq)` for ten minutes). */
  producerPrefix: string;
  /** The fleet's clock start, the same for every run of a system so its hosts' days go on. */
  startTime: number;
  incidents: FleetIncident[];
}

export interface FleetRun {
  /** Running totals now. */
  counts(): RunCounts;
  /** Stops sending; the run drains its in-flight batches and `done` resolves. */
  stop(): void;
  readonly done: Promise<{ counts: RunCounts; ackP99Ms: number | null; summary: LoadSummary }>;
}

/** How strongly each incident hits the fleet: the demo schedule's figures. */
const INCIDENT_SHAPE = {
  'cpu-spike': { hostFraction: 0.1, magnitude: 55 },
  'network-storm': { hostFraction: 0.25, magnitude: 12 },
} as const;

/** The runLoad options for a lab run; exported for the adapter's tests. */
export function loadOptionsFor(spec: FleetRunSpec, signal: AbortSignal): LoadOptions {
  // The producers' own connection models: one connection per host, or a pool of N.
  const connections = spec.connections === 'per-host' ? 'per-host' : Math.min(spec.connections, spec.hosts);
  const incidents: IncidentSchedule = {
    incidents: spec.incidents.map((incident) => ({
      kind: incident.kind,
      atMs: incident.atMs,
      durationMs: incident.durationMs,
      ...INCIDENT_SHAPE[incident.kind],
    })),
  };
  return {
    target: spec.target,
    url: spec.url,
    hosts: spec.hosts,
    intervalMs: spec.intervalMs,
    batchSize: spec.batch,
    durationMs: Number.POSITIVE_INFINITY,
    seed: spec.seed,
    // worker threads as the fleet needs them (a 10,000-host per-host fleet is more than one thread)
    workers: 'auto',
    connections,
    ...(spec.endToEnd ? { endToEnd: true } : {}),
    incidents,
    startTime: spec.startTime,
    producerPrefix: spec.producerPrefix,
    // the lab runs on one machine with a self-signed certificate for h2
    insecure: true,
    // progress every 250 ms: the scoreboard lines acks up with window boundaries from these
    progressIntervalMs: 250,
    // Stop waits this long for in-flight batches: a system catching up after a fault (a worker back,
    // a queue draining) answers late, and an instructor's stop must not turn those into failures.
    drainTimeoutMs: 30_000,
    signal,
  };
}

export function countsOfProgress(progress: LoadProgress): RunCounts {
  return {
    sent: progress.sent,
    acknowledged: progress.acknowledged,
    refused: progress.refused,
    failed: progress.failed,
    missed: progress.missed,
    retries: progress.retries,
    inFlight: progress.inFlight,
  };
}

export function countsOfSummary(summary: LoadSummary): RunCounts {
  const { samples } = summary;
  return {
    sent: samples.sent,
    acknowledged: samples.acknowledged,
    refused: samples.refused,
    failed: samples.failed,
    missed: samples.missed,
    retries: summary.retries,
    inFlight: 0,
  };
}

/** Starts a fleet run that sends until stopped; `onCounts` is told each time its counts are refreshed. */
export function startFleetRun(spec: FleetRunSpec, onCounts: () => void = () => {}): FleetRun {
  const controller = new AbortController();
  let latest: RunCounts = { ...ZERO_COUNTS };
  const options = loadOptionsFor(spec, controller.signal);
  const done = runLoad({
    ...options,
    onProgress: (progress) => {
      latest = countsOfProgress(progress);
      onCounts();
    },
  }).then((summary) => {
    latest = countsOfSummary(summary);
    return { counts: latest, ackP99Ms: summary.latencyMs.fromSchedule.p99, summary };
  });
  return { counts: () => latest, stop: () => controller.abort(), done };
}

export interface ProbeSender {
  /** Sends one single-sample batch; resolves with its ack latency (ms), or null when not acknowledged. */
  send(): Promise<{ acknowledged: boolean; refused: boolean; latencyMs: number | null; retries: number }>;
  /** With end-to-end acks: whether every acknowledged batch is committed (it may close without a loss). */
  committed(): boolean;
  close(): Promise<void>;
}

/**
 * The ack probe: one more host on its own connection, over the same transport (and, for an end-to-end
 * run, with end-to-end acks, so a crash loses none of its samples either), whose every ack latency
 * the lab keeps (runLoad reports latency only in its final summary).
 */
export function createProbeSender(
  target: Target,
  url: string,
  producer: string,
  seed: number,
  endToEnd = false,
): ProbeSender {
  const counters = emptyCounters();
  const transport = createTransport(
    target,
    { url, insecure: true, timeoutMs: 10_000, ...(endToEnd ? { endToEnd: true } : {}) },
    counters,
  );
  const fleet = createFleet({ hosts: 1, seed, hostPrefix: 'lab-probe' });
  const stream = createBatchStream({ fleet, producer, batchSize: 1, firstHost: 0, hostCount: 1 });
  return {
    async send() {
      const result = await transport.send(stream.next(Date.now()));
      const retries = result.attempts - 1;
      if (result.status === 'acknowledged')
        return { acknowledged: true, refused: false, latencyMs: result.latencyMs, retries };
      return { acknowledged: false, refused: result.status === 'refused', latencyMs: null, retries };
    },
    committed: () => counters.endToEnd.committed.batches >= counters.endToEnd.retained.batches,
    close: () => transport.close(),
  };
}
