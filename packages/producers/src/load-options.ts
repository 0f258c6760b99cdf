// Options of a load run (runLoad), with their defaults, shared by the driver, its worker threads
// and the CLI.
import type { IncidentSchedule } from './incidents.js';
import type { Target, TransportOptions } from './transports/types.js';

/** Transport options apply to every producer; `connections` here counts producers, one connection each. */
export interface LoadOptions extends Omit<TransportOptions, 'url' | 'connections'> {
  target: Target;
  /** Base URL of the system. Default per target (contract ports on 127.0.0.1). */
  url?: string;
  /** Hosts simulated. Default 1000. */
  hosts?: number;
  /** Each host emits one sample per this many ms (open model: the rate does not wait for acks). Default 1000. */
  intervalMs?: number;
  /** Samples per batch, 1–1000. Default 1. */
  batchSize?: number;
  /** How long to send, ms; 0 or Infinity means until aborted. Default 60 000. */
  durationMs?: number;
  /** Seed for the fleet and the producer names. Default 7. */
  seed?: number;
  /** Worker threads; 1 runs in the calling thread. Default 1. */
  workers?: number;
  /** Connections (one producer each) per worker. Default 1. */
  connections?: number;
  /** Batches in flight (sent, not yet settled) per worker; beyond it due batches wait. Default 512. */
  concurrency?: number;
  /** Incident schedule. Default none. */
  incidents?: IncidentSchedule;
  /** Length of the fleet's daily cycle, ms. Default 24 h. */
  dayMs?: number;
  /** Epoch ms the fleet's clock starts from. Default: when the run starts. */
  startTime?: number;
  /** After sending stops, how long to wait for in-flight batches before counting them failed, ms. Default 10 000. */
  drainTimeoutMs?: number;
  /** Producer names are `<producerPrefix>-<worker>-<connection>`. Default `fleet-<seed>`. */
  producerPrefix?: string;
  /** Stops sending when aborted; the run then drains and resolves with its summary. */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` with running totals. */
  onProgress?: (progress: LoadProgress) => void;
  /** Default 1000. */
  progressIntervalMs?: number;
}

/** Running totals handed to `onProgress`. Counts are samples unless named otherwise. */
export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  acknowledged: number;
  refused: number;
  failed: number;
  missed: number;
  retries: number;
  /** Error occurrences of any kind so far. */
  errors: number;
  /** Batches in flight now. */
  inFlight: number;
  /** Acknowledged samples per second since the previous progress report. */
  ackRate: number;
  /** Samples per second the schedule asks for. */
  targetRate: number;
}

/** The part of LoadOptions a worker thread can receive (no functions, no signal). */
export type ShardOptions = Omit<LoadOptions, 'signal' | 'onProgress'>;

export const LOAD_DEFAULTS = {
  hosts: 1000,
  intervalMs: 1000,
  batchSize: 1,
  durationMs: 60_000,
  seed: 7,
  workers: 1,
  connections: 1,
  concurrency: 512,
  drainTimeoutMs: 10_000,
  progressIntervalMs: 1000,
} as const;
