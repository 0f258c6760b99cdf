// Valid batches for probes and raw clients (the steady load makes its own through the producers).
import type { Batch } from '@ingestlab/metric-schema';

export function validBatch(producer: string, seq: number, samples = 1): Batch {
  const ts = Date.now();
  return {
    producer,
    seq,
    samples: Array.from({ length: samples }, (_, i) => ({
      host: `${producer}-h${i}`.slice(0, 64),
      ts,
      cpu: (seq * 7 + i) % 100,
      mem: 50,
      disk: 40,
      netIn: 1000 + i,
      netOut: 2000 + i,
    })),
  };
}
