// Per-host WebSocket producers for the shard tests: each host is its own producer and connection
// (through nginx, `?producer=<host>` on the upgrade), sending a batch every `intervalMs` and keeping
// every sample of every batch that was acknowledged, so the test can aggregate them offline.
import type { Sample } from '@ingestlab/metric-schema';
import { createBatchStream, createFleet, createTransport, type Transport } from '@ingestlab/producers';

export interface FleetRun {
  /** Samples of every acknowledged batch (a repeat acknowledged as duplicate is not added twice). */
  readonly acked: Sample[];
  /** Batches that ended refused or failed. */
  readonly lost: { refused: number; failed: number };
  /** Acknowledged samples per producer. */
  readonly perProducer: Map<string, number>;
  /** Stops sending and waits until every batch handed over has ended. */
  stop(): Promise<void>;
}

export function startFleet(options: {
  url: string;
  hosts: number;
  prefix: string;
  batchSize: number;
  intervalMs: number;
}): FleetRun {
  const fleet = createFleet({ hosts: options.hosts, hostPrefix: options.prefix, seed: 13 });
  const acked: Sample[] = [];
  const lost = { refused: 0, failed: 0 };
  const perProducer = new Map<string, number>();
  let stopping = false;
  const transports: Transport[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < options.hosts; i++) {
    const producer = `${options.prefix}-${String(i).padStart(5, '0')}`;
    const stream = createBatchStream({
      fleet,
      producer,
      batchSize: options.batchSize,
      firstHost: i,
      hostCount: 1,
    });
    const transport = createTransport('ws', { url: options.url, producer, timeoutMs: 5000 });
    transports.push(transport);
    loops.push(
      (async () => {
        // Spread the producers over the interval, as real hosts are.
        await sleep((i * options.intervalMs) / options.hosts);
        let due = Date.now();
        while (!stopping) {
          const batch = stream.next(Date.now());
          const result = await transport.send(batch);
          if (result.status === 'acknowledged') {
            if (!result.duplicate) acked.push(...batch.samples);
            perProducer.set(producer, (perProducer.get(producer) ?? 0) + batch.samples.length);
          } else lost[result.status] += 1;
          due += options.intervalMs;
          await sleep(Math.max(0, due - Date.now()));
        }
      })(),
    );
  }
  return {
    acked,
    lost,
    perProducer,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
