// The shapes every transport shares: one attempt on the wire (`Wire`) and the retrying,
// counting sender built on it (`Transport`).
import type { Batch, Encoding } from '@ingestlab/metric-schema';
import type { CountersSnapshot } from '../counters.js';

export const TARGETS = ['http1', 'h2c', 'h2', 'ws'] as const;
export type Target = (typeof TARGETS)[number];

/** Default base URL per target, from the contract's ports. */
export const DEFAULT_URLS: Record<Target, string> = {
  http1: 'http://127.0.0.1:3001',
  h2c: 'http://127.0.0.1:3002',
  h2: 'https://127.0.0.1:3443',
  ws: 'ws://127.0.0.1:3003',
};

/**
 * What one attempt to deliver a batch came to. `error` is a short kind such as `status-503`.
 * `sentAt` (performance.now()) is when the wire actually wrote the batch, when it waited first for a
 * free connection or window: service latency counts from there.
 */
export type AttemptResult = (
  | {
      kind: 'ack';
      accepted: number;
      duplicate: boolean;
      /** End-to-end: the wire keeps the batch until a commit covers it, and calls its `release` then. */
      retained?: boolean;
    }
  | { kind: 'refused'; error: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
) & { sentAt?: number };

/**
 * A batch ready for the wire: its body already built in the transport's encoding (by JSON.stringify or
 * the MessagePack encoder, or by the load driver from cached parts), with the identity and size the
 * sender and the wires need.
 */
export interface EncodedBatch {
  producer: string;
  seq: number;
  /** Samples in the batch. */
  samples: number;
  /** The batch in the transport's encoding: JSON (UTF-8) or MessagePack. */
  body: Buffer;
  /** When the batch was due by its schedule, performance.now() of this thread: latency counts from here. */
  dueAt: number;
  /** Whether its latency goes into the histograms (false for batches due during a ramp). Default true. */
  measured?: boolean;
  /**
   * Called once when `body` is no longer needed, so its bytes can be used again: when the batch
   * ends (refused, failed, or acknowledged), or with end-to-end acknowledgements once a commit
   * covers it (or the transport closes). Optional.
   */
  release?: () => void;
}

/** Told when a connection opens and when an open one closes or fails, for counting. */
export interface ConnectionHooks {
  opened(): void;
  lost(): void;
}

/** One connection's way of making a single attempt; knows nothing of retries or counting. */
export interface Wire {
  attempt(batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult>;
  close(): Promise<void>;
}

export type SendResult =
  | {
      status: 'acknowledged';
      accepted: number;
      duplicate: boolean;
      attempts: number;
      /** From the batch's due time to its acknowledgement, ms. */
      latencyMs: number;
      /** From the final attempt's send to its acknowledgement, ms. */
      serviceMs: number;
    }
  | { status: 'refused'; error: string; attempts: number }
  | { status: 'failed'; error: string; attempts: number };

export interface Transport {
  readonly target: Target;
  readonly url: string;
  /** Batches handed to `send` whose promise has not settled yet. */
  readonly inFlight: number;
  /**
   * Delivers the batch, retrying with backoff as needed; never rejects, the result says how it ended.
   * Latency is counted from now (the batch is taken as due when handed over).
   */
  send(batch: Batch): Promise<SendResult>;
  /** The same for a batch already encoded, with latency counted from its `dueAt`. */
  sendEncoded(batch: EncodedBatch): Promise<SendResult>;
  /** A snapshot of the counts so far (shared with other transports when they were given the same Counters). */
  counters(): CountersSnapshot;
  /** Stops retries (waiting batches end as `failed`, kind `closed`) and closes the connections. */
  close(): Promise<void>;
}

export interface RetryOptions {
  /** Attempts per batch, the first included, before it counts as failed. Default 10. */
  maxAttempts?: number;
  /** Time from the first send after which a batch is no longer retried, ms. Default 60 000. */
  deadlineMs?: number;
  /** First backoff delay, doubled per attempt, ms. Default 100. */
  baseDelayMs?: number;
  /** Largest backoff delay (a `retry-after` may ask for more), ms. Default 5 000. */
  maxDelayMs?: number;
}

export interface TransportOptions {
  /**
   * How batches go on the wire: `json` (the default), or `msgpack`, MessagePack, asked for by the
   * WebSocket subprotocol `ingestlab.msgpack` (binary frames, answers in MessagePack) or, over HTTP,
   * `content-type: application/vnd.msgpack` (answers stay JSON).
   */
  encoding?: Encoding;
  /** Base URL of the system; `/ingest` is appended unless the path already ends with it. Default per target. */
  url?: string;
  /** Sent as `authorization: Bearer <token>` when set. */
  token?: string;
  /** Accept any TLS certificate (self-signed). Default false: only when asked for. */
  insecure?: boolean;
  /** PEM CA certificate(s) to trust for TLS, in addition to the system store. */
  ca?: string | Buffer;
  /** Time one attempt may wait for its answer, ms. Default 10 000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** http1: keep-alive connections this sender uses (the load driver gives each producer one). Default 1. */
  connections?: number;
  /** http1: requests pipelined per connection. Default 1 (no pipelining). */
  pipelining?: number;
  /** http1: how long an idle keep-alive connection is kept, ms. Default 30 000. */
  keepAliveTimeoutMs?: number;
  /** h2c / h2: sessions (TCP connections) used round-robin, each carrying many streams. Default 1. */
  sessions?: number;
  /**
   * ws: the producer this connection sends for, added to the upgrade URL as `?producer=<name>` so a
   * sharding proxy (nginx `hash $arg_producer consistent`) keeps it on one System 2 shard. The systems
   * ignore it. Default none (the proxy then hashes the client address).
   */
  producer?: string;
  /** ws: batches awaiting their ack per connection; further sends wait. Default 256. */
  maxInFlight?: number;
  /** ws: first reconnect delay, ms, doubled per failed try with jitter. Default 100. */
  reconnectBaseMs?: number;
  /** ws: largest reconnect delay, ms. Default 5 000. */
  reconnectMaxMs?: number;
  /**
   * ws: mask client frames with an all-zero key, which `ws` then skips. RFC 6455 asks clients to mask
   * with a key, not for a random one; the random key guards proxies' caches against forged frames,
   * which cannot matter to a load generator talking to a known ingest path. It saves the generator a
   * random key and a pass over every payload. Default false; the load driver turns it on.
   */
  zeroMaskKey?: boolean;
  /**
   * ws only: end-to-end acknowledgements (`/ingest?commit=1`, System 2 with a DATA_DIR). Each
   * acknowledged batch is kept until a commit frame says its window is published; after a reconnect
   * the kept ones are sent again, each after a replay frame naming the server life and window of its
   * ack, so a server crash loses nothing and counts nothing twice. Default false.
   */
  endToEnd?: boolean;
  /**
   * With endToEnd: the most bytes of kept batch bodies; at the bound new sends wait for commits to
   * free room. Per transport, or per shared Retention (the load driver: the run's bound split over its
   * worker threads). Default 128 MiB.
   */
  retainMaxBytes?: number;
}
