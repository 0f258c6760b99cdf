// Turns a fleet into a stream of contract batches for one producer: hosts taken round-robin,
// `seq` increasing by one per batch. This is what a load tool (Artillery processor) calls.
import type { Batch } from '@ingestlab/metric-schema';
import type { Fleet } from './fleet.js';

export interface BatchStreamOptions {
  fleet: Fleet;
  /** Producer name (1–64 of [A-Za-z0-9._:-]); one per connection or worker. */
  producer: string;
  /** Samples per batch, 1–1000. Default 1. */
  batchSize?: number;
  /** First host index this stream covers. Default 0. */
  firstHost?: number;
  /** Number of hosts this stream covers, from `firstHost`. Default: the rest of the fleet. */
  hostCount?: number;
  /** First `seq` to use. Default 0. */
  startSeq?: number;
}

export interface BatchStream {
  readonly producer: string;
  /** The seq the next batch will carry. */
  readonly nextSeq: number;
  /** The next batch: `batchSize` samples from the next hosts in turn, measured at `ts` (default now). */
  next(ts?: number): Batch;
}

export function createBatchStream(options: BatchStreamOptions): BatchStream {
  const { fleet, producer } = options;
  const batchSize = options.batchSize ?? 1;
  const firstHost = options.firstHost ?? 0;
  const hostCount = options.hostCount ?? fleet.hosts - firstHost;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(producer)) throw new RangeError(`invalid producer name: ${producer}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw new RangeError(`batchSize must be an integer 1..1000, got ${batchSize}`);
  }
  if (hostCount < 1 || firstHost < 0 || firstHost + hostCount > fleet.hosts) {
    throw new RangeError(`host range ${firstHost}+${hostCount} outside the fleet of ${fleet.hosts}`);
  }
  let seq = options.startSeq ?? 0;
  let cursor = 0;
  return {
    producer,
    get nextSeq() {
      return seq;
    },
    next(ts = Date.now()) {
      const samples = new Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        samples[i] = fleet.sample(firstHost + cursor, ts);
        cursor = cursor + 1 === hostCount ? 0 : cursor + 1;
      }
      return { producer, seq: seq++, samples };
    },
  };
}
