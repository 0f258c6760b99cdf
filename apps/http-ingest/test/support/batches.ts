// Valid batches for tests: deterministic samples, with `ts` near now so lag stays small.
import type { Batch, Sample } from '@ingestlab/metric-schema';

export function sample(host: string, i: number, ts = Date.now()): Sample {
  return {
    host,
    ts,
    cpu: (i * 7) % 101,
    mem: (i * 13) % 100,
    disk: (i * 3) % 100,
    netIn: 1000 + i,
    netOut: 500 + i * 2,
  };
}

export function batch(producer: string, seq: number, size = 1): Batch {
  const now = Date.now();
  return {
    producer,
    seq,
    samples: Array.from({ length: size }, (_, i) => sample(`${producer}-h${i % 10}`, seq * size + i, now)),
  };
}
