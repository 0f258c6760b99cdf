// Options of a load run (runLoad), with their defaults, shared by the driver, its worker threads
// and the CLI.
import type { IncidentSchedule } from './incidents.js';
import type { Target, TransportOptions } from './transports/types.js';

/**
 * How simulated hosts reach the system:
 * - `'per-host'`: every host is its own producer (own name and seq) on its own connection — one
 *   keep-alive socket (HTTP/1.1), one session (HTTP/2) or one WebSocket per host, like a real fleet.
 * - a number N: N pooled connections, each one producer carrying the batches of a share of the hosts
 *   (a gateway or agent that multiplexes hosts).
 */
export type ConnectionModel = 'per-host' | number;

/**
 * Transport options apply to every producer; `connections` here is the connection model. With
 * `endToEnd` (ws), `retainMaxBytes` bounds the whole run (split evenly over its worker threads).
 */
export interface LoadOptions extends Omit<TransportOptions, 'url' | 'connections'> {
  target: Target;
  /** Base URL of the system. Default per target (contract ports on 127.0.0.1). */
  url?: string;
  /** Hosts simulated. Default 1000. */
  hosts?: number;
  /** Each host takes one sample per this many ms (open model: the schedule does not wait for acks). Default 1000. */
  intervalMs?: number;
  /**
   * Samples per batch, 1–1000. Default 1. Per host, a host keeps its samples until it has this many
   * (it sends every batchSize × interval); pooled, a batch carries the next hosts' samples.
   */
  batchSize?: number;
  /** How long to send after the ramp, ms; 0 or Infinity means until aborted. Default 60 000. */
  durationMs?: number;
  /** Seed for the fleet and the producer names. Default 7. */
  seed?: number;
  /** Worker threads; 1 runs in the calling thread; `auto` picks by the work (see autoWorkers). Default `auto`. */
  workers?: number | 'auto';
  /** The connection model. Default `per-host`. */
  connections?: ConnectionModel;
  /**
   * Connections opened per second while the run ramps up: producer i's first batch is due at
   * i / connectRate s (spread over one interval at least), so connections open gradually. Default 1000.
   */
  connectRate?: number;
  /**
   * Batches one producer may have handed to its connection without an answer yet (queued, in flight
   * or waiting to retry). A batch falling due beyond it is not sent and is counted missed (the system
   * is not keeping up). Default 30 per host, 1024 per pooled connection.
   */
  maxBacklog?: number;
  /**
   * When the generator itself falls this far behind its schedule (ms), the late batches are counted
   * missed instead of being sent in a burst, and the run is generator-bound. Default 1000.
   */
  maxLagMs?: number;
  /** Incident schedule. Default none. */
  incidents?: IncidentSchedule;
  /** Length of the fleet's daily cycle, ms. Default 24 h. */
  dayMs?: number;
  /** Epoch ms the fleet's clock starts from. Default: when the run starts. */
  startTime?: number;
  /** After sending stops, how long to wait for in-flight batches before counting them failed, ms. Default 10 000. */
  drainTimeoutMs?: number;
  /**
   * Start of every producer name. Per host: `<prefix>-<host name>` (e.g. `fleet-7-web-00017`);
   * pooled: `<prefix>-<worker>-<connection>`. Default `fleet-<seed>`.
   */
  producerPrefix?: string;
  /** Stops sending when aborted; the run then drains and resolves with its summary. */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` with running totals. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Called once every thread is ready and the schedule starts: the first batch is due at `startEpoch`
   * (epoch ms) and the steady, measured part begins `rampMs` later.
   */
  onBegin?: (run: { startEpoch: number; rampMs: number }) => void;
  /** Default 1000. */
  progressIntervalMs?: number;
}

/** Running totals handed to `onProgress`. Counts are samples unless named otherwise. */
export interface LoadProgress {
  elapsedMs: number;
  /** Samples whose time has come (sent or missed). */
  due: number;
  sent: number;
  acknowledged: number;
  refused: number;
  failed: number;
  missed: number;
  retries: number;
  /** Error occurrences of any kind so far. */
  errors: number;
  /** Batches handed to connections and not settled yet. */
  inFlight: number;
  /** Connections open now, and how many producers the run has (one connection each). */
  open: number;
  connections: number;
  /** Acknowledged samples per second since the previous progress report. */
  ackRate: number;
  /** Samples per second the schedule asks for. */
  targetRate: number;
  /** With end-to-end acknowledgements: bytes kept awaiting their commit now, and samples committed. */
  endToEnd?: { retainedBytes: number; committed: number };
}

/** The part of LoadOptions a worker thread can receive (no functions, no signal). */
export type ShardOptions = Omit<LoadOptions, 'signal' | 'onProgress' | 'onBegin'>;

export const LOAD_DEFAULTS = {
  hosts: 1000,
  intervalMs: 1000,
  batchSize: 1,
  durationMs: 60_000,
  seed: 7,
  connections: 'per-host' as ConnectionModel,
  connectRate: 1000,
  maxBacklogPerHost: 30,
  maxBacklogPooled: 1024,
  maxLagMs: 1000,
  drainTimeoutMs: 10_000,
  progressIntervalMs: 1000,
} as const;
